// Structured logs with shop/customerId/jobId; personal data and secrets never reach the output.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values are replaced wherever they appear (two levels deep, which covers our payloads). */
const SENSITIVE_KEYS = [
  'accessToken', 'access_token', 'token', 'sessionToken', 'id_token', 'authorization', 'Authorization',
  'email', 'phone', 'first_name', 'last_name', 'firstName', 'lastName', 'name', 'address', 'addresses',
  'billing_address', 'shipping_address', 'default_address', 'note', 'ip', 'browser_ip', 'secret', 'password',
  // The live customer names of the dashboard (web/admin/customer-names.ts) are never logged; if one ever were, redacted.
  'displayName', 'names',
];
// Top-level `name` is pino's logger name, not a person's: redacted only one level down (customer.name).
const REDACT_PATHS = [...SENSITIVE_KEYS.filter((k) => k !== 'name'), ...SENSITIVE_KEYS.map((k) => `*.${k}`), 'req.headers.authorization', 'req.headers.cookie'];

export interface LoggerOptions {
  level: string;
  /** Where to write; defaults to stdout. Tests pass a stream to inspect what was logged. */
  destination?: NodeJS.WritableStream;
  name?: string;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'segments',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? process.stdout,
  );
}
