// FerretDB's PostgreSQL backend (`--handler=postgresql`), used when a PostgreSQL answers; SQLite (which
// needs nothing) otherwise. FERRETDB_HANDLER=sqlite|postgresql forces one; FERRETDB_POSTGRESQL_URL
// names the server (default: the local one as user postgres). Each FerretDB gets its own database,
// created here with psql (PostgreSQL's own client; FerretDB 1.x creates tables, not databases).
import { spawnSync } from 'node:child_process';
import { which } from '../ferretdb/build.ts';

export type FerretdbHandler = 'sqlite' | 'postgresql';

/** The PostgreSQL server (a URL without a database) that FerretDB's databases go to. */
export function postgresServerUrl(): string {
  return (process.env.FERRETDB_POSTGRESQL_URL ?? 'postgres://postgres@127.0.0.1:5432/').replace(/\/[^/@]*$/, '/');
}

function psql(database: string, sql: string): { ok: boolean; out: string } {
  if (!which('psql')) return { ok: false, out: 'psql is not installed' };
  const r = spawnSync('psql', [`${postgresServerUrl()}${database}`, '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], { encoding: 'utf8', timeout: 5000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** True when PostgreSQL answers a query at postgresServerUrl(). */
export function postgresAnswers(): boolean {
  return psql('postgres', 'SELECT 1').out === '1';
}

/**
 * The handler a FerretDB started here uses: FERRETDB_HANDLER when set; otherwise PostgreSQL when it
 * answers and `preferPostgres`, else SQLite.
 */
export function ferretdbHandler(preferPostgres: boolean): FerretdbHandler {
  const forced = process.env.FERRETDB_HANDLER;
  if (forced === 'sqlite' || forced === 'postgresql') return forced;
  if (forced) throw new Error(`FERRETDB_HANDLER must be sqlite or postgresql, not ${forced}`);
  return preferPostgres && postgresAnswers() ? 'postgresql' : 'sqlite';
}

/** Creates the database (when missing) and returns FerretDB's --postgresql-url for it. */
export function ensurePostgresDatabase(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad PostgreSQL database name ${name}`);
  const exists = psql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`);
  if (!exists.ok) throw new Error(`PostgreSQL at ${postgresServerUrl()} does not answer: ${exists.out}`);
  if (exists.out !== '1') {
    const made = psql('postgres', `CREATE DATABASE ${name}`);
    if (!made.ok) throw new Error(`could not create PostgreSQL database ${name}: ${made.out}`);
  }
  return `${postgresServerUrl()}${name}`;
}

/** Drops a database FerretDB used (a private server's, when its run ends). */
export function dropPostgresDatabase(name: string): void {
  psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** The FerretDB flags that select the backend. */
export function ferretdbBackendArgs(handler: FerretdbHandler, sqliteUrl: string, postgresDatabase: string): string[] {
  return handler === 'postgresql'
    ? ['--handler=postgresql', `--postgresql-url=${ensurePostgresDatabase(postgresDatabase)}`]
    : ['--handler=sqlite', `--sqlite-url=${sqliteUrl}`];
}
