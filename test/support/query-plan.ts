// Reads a query plan from `explain()` on both servers the project runs on: MongoDB (queryPlanner
// .winningPlan, stages nested in inputStage/inputStages) and FerretDB 1.24 (queryPlanner.Plan: SQLite's
// EXPLAIN QUERY PLAN lines, "SEARCH … USING INDEX …" or "SCAN …").

export interface QueryPlan {
  server: 'mongodb' | 'ferretdb';
  /** Index names the plan reads (MongoDB: IXSCAN stages; FerretDB: the SQLite index of the line). */
  indexes: string[];
  /** True when the plan scans the whole collection. */
  collectionScan: boolean;
}

function mongoStages(stage: Record<string, unknown> | undefined, out: Array<Record<string, unknown>>): void {
  if (!stage) return;
  out.push(stage);
  mongoStages(stage.inputStage as Record<string, unknown> | undefined, out);
  for (const s of (stage.inputStages as Array<Record<string, unknown>> | undefined) ?? []) mongoStages(s, out);
}

export function readQueryPlan(explained: unknown): QueryPlan {
  const qp = (explained as { queryPlanner?: Record<string, unknown> }).queryPlanner;
  if (!qp) throw new Error(`not an explain() result: ${JSON.stringify(explained).slice(0, 200)}`);
  if (Array.isArray(qp.Plan)) {
    const lines = qp.Plan as string[];
    return {
      server: 'ferretdb',
      indexes: lines.flatMap((l) => /USING (?:COVERING )?INDEX (\S+)/.exec(l)?.[1] ?? []),
      collectionScan: lines.some((l) => /detail=SCAN /.test(l)),
    };
  }
  const stages: Array<Record<string, unknown>> = [];
  mongoStages(qp.winningPlan as Record<string, unknown> | undefined, stages);
  return {
    server: 'mongodb',
    // IDHACK / EXPRESS_IXSCAN: MongoDB's fast paths for an exact _id match.
    indexes: stages.flatMap((s) => s.stage === 'IXSCAN' || s.stage === 'EXPRESS_IXSCAN' ? String(s.indexName ?? '_id_') : s.stage === 'IDHACK' ? '_id_' : []),
    collectionScan: stages.some((s) => s.stage === 'COLLSCAN'),
  };
}
