// `segments insights <orders file> --format shopify|cdnow [--as-of] [--window-days 180] [--min-customers 30] [--json]`
// Bright spots offline: gateway products, what the best customers buy, reorder rhythm (issue 20).
import { CDNOW_PRODUCT } from '../../importers/cdnow.ts';
import { DEFAULT_INSIGHTS_OPTIONS, insightsFromCustomers } from '../../segments/index.ts';
import { EXIT_INPUT, UsageError } from '../command.ts';
import type { CliCommand, CliIo } from '../command.ts';
import { insightsJson, insightsTable } from '../insights-report.ts';
import type { InsightsReport } from '../insights-report.ts';
import { parseOrdersArgs, readOrdersInput, reportingImportErrors } from '../orders-input.ts';

const d = DEFAULT_INSIGHTS_OPTIONS;
const USAGE = `usage: segments insights <orders file> --format shopify|cdnow [options]

  --format shopify|cdnow   shopify: Shopify's orders export CSV; cdnow: the CDNOW transaction log
  --as-of YYYY-MM-DD       ignore orders after that day (default: the day of the last order)
  --window-days N          a customer counts for gateway products once their first order is at
                           least N days old; "ordered again" means within N days (default ${d.windowDays})
  --min-customers N        least such customers a gateway product needs (default ${d.minCustomers})
  --min-best-buyers N      least VIPs/Champions who bought a product for its lift (default ${d.minBestBuyers})
  --json                   print one JSON object instead of tables
  --settings FILE          shop settings as JSON (missing fields take the defaults)

Products are keyed as the importers key them (SKU, else "title:<line item name>"); the CDNOW log
names no products, so its product lists are empty.

exit codes: 0 ok, 1 unexpected failure, 2 bad usage / unreadable file / unknown format`;

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOrdersArgs('insights', args, {
    format: { type: 'string' },
    'as-of': { type: 'string' },
    'window-days': { type: 'string' },
    'min-customers': { type: 'string' },
    'min-best-buyers': { type: 'string' },
    json: { type: 'boolean', default: false },
    settings: { type: 'string' },
  }, io);
  if (!parsed) return EXIT_INPUT;
  const { values, file, format } = parsed;
  const options = {
    windowDays: wholeNumber('window-days', values['window-days'], d.windowDays),
    minCustomers: wholeNumber('min-customers', values['min-customers'], d.minCustomers),
    minBestBuyers: wholeNumber('min-best-buyers', values['min-best-buyers'], d.minBestBuyers),
    placeholderProducts: format === 'cdnow' ? [CDNOW_PRODUCT] : [],
  };
  return reportingImportErrors('insights', io, async () => {
    const { imported, settings, asOf } = await readOrdersInput(file, format, values['as-of'], values.settings, io);
    const { insights } = insightsFromCustomers(imported.customers, settings, asOf, options);
    const report: InsightsReport = { file, format, insights, settings };
    io.stdout.write(values.json ? JSON.stringify(insightsJson(report), null, 2) + '\n' : insightsTable(report));
    return 0;
  });
}

export const insightsCommand: CliCommand = { name: 'insights', summary: 'bright spots offline: gateway products, what the best buy, reorder rhythm', usage: USAGE, run };
