// `segments analyze <orders file> --format shopify|cdnow [--as-of YYYY-MM-DD] [--json] [--profiles out.jsonl] [--report report.html]`
// Offline preview of a shop's segments from an export file; also the benchmark harness.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { ImportError } from '../../importers/import-result.ts';
import { analyzeShop } from '../../segments/index.ts';
import { analysisJson, analysisTable } from '../analyze-report.ts';
import type { AnalyzeReport } from '../analyze-report.ts';
import { EXIT_INPUT } from '../command.ts';
import type { CliCommand, CliIo } from '../command.ts';
import { parseOrdersArgs, readOrdersInput, reportingImportErrors } from '../orders-input.ts';

const USAGE = `usage: segments analyze <orders file> --format shopify|cdnow [options]

  --format shopify|cdnow   shopify: Shopify's orders export CSV; cdnow: the CDNOW transaction log
  --as-of YYYY-MM-DD       ignore orders after that day and measure recency at its end
                           (default: the day of the last order in the file)
  --json                   print one JSON object instead of tables
  --profiles FILE          write every customer's segmentation as JSON lines to FILE
  --report FILE            write a self-contained HTML report (charts, thresholds in words,
                           models; opens offline in any browser) to FILE
  --settings FILE          shop settings as JSON (missing fields take the defaults)

exit codes: 0 ok, 1 unexpected failure, 2 bad usage / unreadable file / unknown format`;

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOrdersArgs('analyze', args, { format: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean', default: false }, profiles: { type: 'string' }, report: { type: 'string' }, settings: { type: 'string' } }, io);
  if (!parsed) return EXIT_INPUT;
  const { values, file, format } = parsed;
  const started = performance.now();
  return reportingImportErrors('analyze', io, async () => {
    const { imported, settings, asOf, note, readMs } = await readOrdersInput(file, format, values['as-of'], values.settings, io);
    const analysis = analyzeShop(imported.customers, settings, asOf, {
      onProgress: (phase, done) => note(`${phase === 'summarize' ? 'summarised' : 'segmented'} ${done.toLocaleString('en-US')} customers…`),
    });
    const analyzeMs = performance.now() - started - readMs;
    if (values.profiles !== undefined) {
      const out = createWriteStream(values.profiles);
      for (const profile of analysis.profiles) {
        if (!out.write(JSON.stringify(profile) + '\n')) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    }
    const report: AnalyzeReport = { file, format, imported, analysis, settings, timings: { readMs, analyzeMs, totalMs: performance.now() - started } };
    if (values.report !== undefined) {
      const html = (await import('../analyze-html.ts')).analysisHtml(report);
      try {
        await writeFile(values.report, html);
      } catch (err) {
        throw new ImportError('unreadable', `cannot write the report ${values.report}: ${(err as Error).message}`);
      }
      io.stderr.write(`report written to ${values.report}\n`);
    }
    io.stdout.write(values.json ? JSON.stringify(analysisJson(report), null, 2) + '\n' : analysisTable(report));
    return 0;
  });
}

export const analyzeCommand: CliCommand = { name: 'analyze', summary: 'segment an orders export offline (Shopify CSV or CDNOW log)', usage: USAGE, run };
