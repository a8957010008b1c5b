// `segments backtest <orders file> --format shopify|cdnow --split YYYY-MM-DD [--until YYYY-MM-DD] [--json]`
// Fits every model on the orders up to --split, predicts each customer's repeat purchases (purchase days,
// as the models count them), churn and spend from the day after --split to --until, and compares with
// what happened (src/segments/backtest.ts). The same backtest chooses each shop's model at calibration.
import { backtestSentence, formatDay, frequencyError, MODEL_NAMES, runBacktest, summarizeCustomer } from '../../segments/index.ts';
import type { BacktestResult, CountModelKind, CustomerSummary } from '../../segments/index.ts';
import { formatMoney } from '../../segments/explain.ts';
import { EXIT_INPUT, UsageError } from '../command.ts';
import type { CliCommand, CliIo } from '../command.ts';
import { endOfDay, importOrders, loadSettings, parseDate, parseOrdersArgs, reportBadRows, reportingImportErrors } from '../orders-input.ts';

const USAGE = `usage: segments backtest <orders file> --format shopify|cdnow --split YYYY-MM-DD [options]

  --format shopify|cdnow   shopify: Shopify's orders export CSV; cdnow: the CDNOW transaction log
  --split YYYY-MM-DD       last day of the calibration period: models are fitted on orders up to it
  --until YYYY-MM-DD       last day of the holdout period (default: the day of the last order in the file)
  --json                   print one JSON object instead of tables
  --settings FILE          shop settings as JSON (missing fields take the defaults)

exit codes: 0 ok, 1 unexpected failure, 2 bad usage / unreadable file / unknown format`;

/** The JSON of the issue: {split, until, customers, models: {<name>: {…}}, selected}. */
export function backtestJson(r: BacktestResult) {
  const models: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(r.models)) {
    models[k] = { parameters: f.parameters, logLikelihood: f.logLikelihood, predicted: f.predicted, actual: f.actual, errorPct: f.errorPct, byFrequency: f.byFrequency, churn: f.churn, spend: f.spend };
  }
  return { split: r.split, until: r.until, customers: r.customers, models, selected: r.selected };
}

const num = (v: number, digits = 3): string => v.toFixed(digits);

function backtestTable(file: string, r: BacktestResult, currency: string): string {
  const out: string[] = [];
  out.push(`${file}: fitted on orders up to ${r.split}, predicted ${r.split} → ${r.until} (${r.holdoutDays} days) for ${r.customers.toLocaleString('en-US')} customers`);
  out.push('');
  for (const [k, f] of Object.entries(r.models) as Array<[CountModelKind, NonNullable<BacktestResult['models'][CountModelKind]>]>) {
    const p = f.parameters;
    out.push(`${MODEL_NAMES[k]} (${p.timeUnit}): r=${p.r.toPrecision(4)} alpha=${p.alpha.toPrecision(4)} a=${p.a.toPrecision(4)} b=${p.b.toPrecision(4)} log-likelihood=${f.logLikelihood.toFixed(1)}${r.selected === k ? '   ← selected' : ''}`);
    out.push(`  ${backtestSentence(r, k)}`);
    out.push(`  repeat purchases per customer by calibration-period repeat purchases (mean predicted / actual; error ${num(frequencyError(f))} per customer):`);
    out.push(`    ${f.byFrequency.map((g) => `${g.x}: ${num(g.predicted, 2)}/${num(g.actual, 2)} (n=${g.customers})`).join('  ')}`);
    out.push(`  P(no purchase in the holdout): Brier ${num(f.churn.brier, 4)}; ${f.churn.calibration.map((b) => `${b.bucket} ${num(b.predicted, 2)}→${num(b.actual, 2)}`).join(', ')}`);
    out.push(`  spend: predicted ${formatMoney(f.spend.predictedMinor, currency)}, actual ${formatMoney(f.spend.actualMinor, currency)}`);
    out.push('');
  }
  for (const [k, why] of Object.entries(r.problems)) out.push(`${MODEL_NAMES[k as CountModelKind]} not backtested: ${why}`);
  out.push(`selected: ${r.selected === null ? 'none' : MODEL_NAMES[r.selected]} — ${r.reason}`);
  return out.join('\n') + '\n';
}

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOrdersArgs('backtest', args, { format: { type: 'string' }, split: { type: 'string' }, until: { type: 'string' }, json: { type: 'boolean', default: false }, settings: { type: 'string' } }, io);
  if (!parsed) return EXIT_INPUT;
  const { values, file, format } = parsed;
  if (values.split === undefined) throw new UsageError('--split is required');
  const splitDay = parseDate('--split', values.split);
  const explicitUntil = values.until === undefined ? null : parseDate('--until', values.until);
  return reportingImportErrors('backtest', io, async () => {
    const imported = await importOrders(file, format, {});
    reportBadRows(file, imported, io.stderr);
    const firstOrder = imported.customers.find((c) => c.orders.length > 0)?.orders[0];
    const settings = await loadSettings(values.settings, firstOrder?.currency ?? null);
    const lastDay = imported.lastOrderAt === null ? splitDay : Math.floor((imported.lastOrderAt + settings.utcOffsetMinutes * 60_000) / 86_400_000);
    const untilDay = explicitUntil ?? lastDay;
    if (untilDay <= splitDay) throw new UsageError(`--until (${formatDay(untilDay)}) must be after --split (${formatDay(splitDay)})`);
    // Day indexes are in the shop's offset: the end of --until there.
    const untilAsOf = endOfDay(untilDay) - settings.utcOffsetMinutes * 60_000;
    const summaries: CustomerSummary[] = imported.customers.map((c) => summarizeCustomer(c, settings, untilAsOf));
    const result = runBacktest(summaries, settings, splitDay, untilDay);
    io.stdout.write(values.json ? JSON.stringify(backtestJson(result), null, 2) + '\n' : backtestTable(file, result, settings.currency));
    return 0;
  });
}

export const backtestCommand: CliCommand = { name: 'backtest', summary: 'fit on orders up to a date, predict the rest, compare with what happened', usage: USAGE, run };
