// What the offline commands (`analyze`, `backtest`, `insights`) share: reading an orders export of
// either format, dates given as YYYY-MM-DD, and shop settings from a JSON file.
import { readFile, stat } from 'node:fs/promises';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ImportError } from '../importers/import-result.ts';
import type { ImportOptions, ImportResult } from '../importers/import-result.ts';
import { DAY_MS, asOfAfterLastOrder, asOfFromDate, safeParseShopSettings } from '../segments/index.ts';
import type { ShopSettings } from '../segments/index.ts';
import { EXIT_INPUT, UsageError } from './command.ts';
import type { CliIo } from './command.ts';

export type OrdersFormat = 'shopify' | 'cdnow';

/** Day index of a YYYY-MM-DD date (UTC calendar), or a UsageError naming the option. */
export function parseDate(option: string, text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== text) throw new UsageError(`${option} must be a date like 1997-09-30, got "${text}"`);
  return t / DAY_MS;
}

/** The last instant of a day: orders placed on it still count. */
export const endOfDay = (day: number): number => day * DAY_MS + DAY_MS - 1;

/** Loads only the importer this run needs (csv-parse costs start-up time for CDNOW runs). */
export async function importOrders(file: string, format: OrdersFormat, options: ImportOptions): Promise<ImportResult> {
  return format === 'cdnow' ? (await import('../importers/cdnow.ts')).importCdnow(file, options) : (await import('../importers/shopify-orders-csv.ts')).importShopifyOrdersCsv(file, options);
}

/** Settings from --settings (defaults for the rest); the currency defaults to the file's own. */
export async function loadSettings(path: string | undefined, fileCurrency: string | null): Promise<ShopSettings> {
  let input: Record<string, unknown> = {};
  if (path !== undefined) {
    try {
      input = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new ImportError('unreadable', `cannot read settings ${path}: ${(err as Error).message}`);
    }
  }
  if (input.currency === undefined && fileCurrency !== null) input = { ...input, currency: fileCurrency };
  const parsed = safeParseShopSettings(input);
  if (!parsed.ok) throw new UsageError(`invalid settings in ${path}:\n  - ${parsed.issues.join('\n  - ')}`);
  return parsed.settings;
}

/** Prints the first bad rows of an import on stderr. */
export function reportBadRows(file: string, imported: ImportResult, stderr: NodeJS.WritableStream): void {
  for (const bad of imported.badRows.slice(0, 20)) stderr.write(`${file}:${bad.line}: skipped: ${bad.reason}\n`);
  if (imported.badRows.length > 20) stderr.write(`… and ${imported.badRows.length - 20} more bad rows\n`);
}

const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/** The as-of instant of --as-of: the end of that day, so orders placed on it still count. */
export function parseAsOf(text: string): number {
  const asOf = asOfFromDate(text);
  if (asOf === null) throw new UsageError(`--as-of must be a date like 1997-09-30, got "${text}"`);
  return asOf;
}

export interface OrdersInput {
  imported: ImportResult;
  settings: ShopSettings;
  asOf: number;
  /** Writes a progress line on stderr for large files (>= 8 MB), otherwise nothing. */
  note: (text: string) => void;
  readMs: number;
}

/** Reads the file (bad rows reported on stderr), then the settings and the as-of instant (`analyze`, `insights`). */
export async function readOrdersInput(file: string, format: OrdersFormat, asOfText: string | undefined, settingsPath: string | undefined, io: CliIo): Promise<OrdersInput> {
  const explicitAsOf = asOfText === undefined ? null : parseAsOf(asOfText);
  const started = performance.now();
  const size = await stat(file).then((s) => s.size).catch(() => 0);
  const progress = size >= PROGRESS_MIN_BYTES;
  const note = (text: string): void => {
    if (progress) io.stderr.write(`${text}\n`);
  };
  const imported = await importOrders(file, format, { onProgress: (rows) => note(`read ${rows.toLocaleString('en-US')} rows…`) });
  const readMs = performance.now() - started;
  reportBadRows(file, imported, io.stderr);
  const firstOrder = imported.customers.find((c) => c.orders.length > 0)?.orders[0];
  const settings = await loadSettings(settingsPath, firstOrder?.currency ?? null);
  const lastDayEnd = imported.lastOrderAt === null ? 0 : asOfAfterLastOrder(imported.lastOrderAt);
  return { imported, settings, asOf: explicitAsOf ?? lastDayEnd, note, readMs };
}

/** Runs an offline command's work: an unreadable file or an unknown format is said on stderr and exits 2. */
export async function reportingImportErrors(command: string, io: CliIo, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ImportError) {
      io.stderr.write(`segments ${command}: ${err.message}\n`);
      return EXIT_INPUT;
    }
    throw err;
  }
}

type ParsedValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>['values'];

/**
 * An offline command's arguments: exactly one orders file, `--format shopify|cdnow` and the command's own
 * options. Bad usage throws a UsageError; an unknown format is said on stderr and gives null (exit 2).
 */
export function parseOrdersArgs<O extends ParseArgsOptionsConfig & { format: { type: 'string' } }>(
  command: string, args: string[], options: O, io: CliIo,
): { values: ParsedValues<O>; file: string; format: OrdersFormat } | null {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one orders file');
  const format = (parsed.values as { format?: string }).format;
  if (format !== 'shopify' && format !== 'cdnow') {
    io.stderr.write(`segments ${command}: unknown format "${format ?? ''}": use --format shopify or --format cdnow\n`);
    return null;
  }
  return { values: parsed.values as ParsedValues<O>, file: parsed.positionals[0]!, format };
}
