// `segments rotate-key`: after ENCRYPTION_KEY was changed and the old key moved to
// ENCRYPTION_KEY_PREVIOUS, re-encrypts every stored token with the new key and reports counts. Talks to
// MongoDB directly (the app's .env / environment), not to the support API. Once it reports 0
// undecryptable and the running processes use the new key, ENCRYPTION_KEY_PREVIOUS can be removed.
// Tokens that no configured key opens are left as they are: those shops get a new token by token
// exchange on their next admin visit (src/profiles/session-store.ts).
import { parseArgs } from 'node:util';
import { loadConfigFromProcess, type Config } from '../../config.ts';
import { createDeps } from '../../deps.ts';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command.ts';

export interface RotateKeyDeps {
  config(): Config;
}

export function createRotateKeyCommand(deps: RotateKeyDeps = { config: () => loadConfigFromProcess() }): CliCommand {
  return {
    name: 'rotate-key',
    summary: 're-encrypt every stored token with ENCRYPTION_KEY (old key in ENCRYPTION_KEY_PREVIOUS); prints counts',
    usage: 'usage: segments rotate-key [--json]\n  ENCRYPTION_KEY = the new key, ENCRYPTION_KEY_PREVIOUS = the old one (from .env or the environment)',
    async run(args, io) {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
      const config = deps.config();
      const app = await createDeps({ ...config, LOG_LEVEL: 'warn' }, { startupTimeoutMs: 10_000 });
      try {
        const report = await app.stores.sessions.reencryptAll();
        if (values.json) io.stdout.write(JSON.stringify(report) + '\n');
        else {
          io.stdout.write(`sessions: ${report.sessions}\n  re-encrypted with the current key: ${report.reencrypted}\n  already current: ${report.current}\n  undecryptable (new token on the next admin visit): ${report.undecryptable}\n`);
          if (!config.ENCRYPTION_KEY_PREVIOUS && report.undecryptable > 0) io.stdout.write('hint: set ENCRYPTION_KEY_PREVIOUS to the old key and run again\n');
        }
        return report.undecryptable > 0 ? EXIT_FAILURE : EXIT_OK;
      } finally {
        await app.close();
      }
    },
  };
}

export const rotateKeyCommand = createRotateKeyCommand();
