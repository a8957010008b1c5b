// What the offline commands (`segments analyze`, `segments insights`) share: reading an orders file
// in either format with bad rows reported on stderr, --as-of, and --settings.
import { readFile, stat } from 'node:fs/promises';
import { ImportError } from '../importers/import-result.ts';
import type { ImportResult } from '../importers/import-result.ts';
import { asOfAfterLastOrder, asOfFromDate, safeParseShopSettings } from '../segments/index.ts';
import type { ShopSettings } from '../segments/index.ts';
import { UsageError } from './command.ts';
import type { CliIo } from './command.ts';

export type OrdersFormat = 'shopify' | 'cdnow';

const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

export function parseAsOf(text: string): number {
  const asOf = asOfFromDate(text); // end of that day: orders placed on it still count
  if (asOf === null) throw new UsageError(`--as-of must be a date like 1997-09-30, got "${text}"`);
  return asOf;
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

export interface OrdersInput {
  imported: ImportResult;
  settings: ShopSettings;
  asOf: number;
  /** Writes a progress line on stderr for large files (>= 8 MB), otherwise nothing. */
  note: (text: string) => void;
  readMs: number;
}

/** Reads the file (bad rows reported on stderr), then the settings and the as-of instant. */
export async function readOrdersInput(file: string, format: OrdersFormat, asOfText: string | undefined, settingsPath: string | undefined, io: CliIo): Promise<OrdersInput> {
  const explicitAsOf = asOfText === undefined ? null : parseAsOf(asOfText);
  const started = performance.now();
  const size = await stat(file).then((s) => s.size).catch(() => 0);
  const progress = size >= PROGRESS_MIN_BYTES;
  const note = (text: string): void => {
    if (progress) io.stderr.write(`${text}\n`);
  };
  const options = { onProgress: (rows: number) => note(`read ${rows.toLocaleString('en-US')} rows…`) };
  // Load only the importer this run needs (csv-parse costs start-up time for CDNOW runs).
  const imported: ImportResult =
    format === 'cdnow' ? await (await import('../importers/cdnow.ts')).importCdnow(file, options) : await (await import('../importers/shopify-orders-csv.ts')).importShopifyOrdersCsv(file, options);
  const readMs = performance.now() - started;
  for (const bad of imported.badRows.slice(0, 20)) io.stderr.write(`${file}:${bad.line}: skipped: ${bad.reason}\n`);
  if (imported.badRows.length > 20) io.stderr.write(`… and ${imported.badRows.length - 20} more bad rows\n`);
  const firstOrder = imported.customers.find((c) => c.orders.length > 0)?.orders[0];
  const settings = await loadSettings(settingsPath, firstOrder?.currency ?? null);
  const lastDayEnd = imported.lastOrderAt === null ? 0 : asOfAfterLastOrder(imported.lastOrderAt);
  return { imported, settings, asOf: explicitAsOf ?? lastDayEnd, note, readMs };
}
