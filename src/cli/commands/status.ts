// `segments status --shop <domain> [--url U] [--json]`: a shop's install state, profile and segment
// counts, last resync, queue depth, failures and dead letters, from the support API.
import { parseArgs } from 'node:util';
import { EXIT_OK, type CliCommand } from '../command.ts';
import { defaultSupportDeps, reportingSupportErrors, requireShop, supportRequest, type SupportClientDeps } from './support-client.ts';

interface StatusView {
  shop: string;
  installed: boolean;
  hasReadAllOrders: boolean;
  profiles: number;
  tagsPending: number;
  segments: Record<string, Record<string, number>>;
  lastResync: { jobId: string; state: string; percent: number; finishedAt: string | null; failedReason: string | null } | null;
  lastCalibration: { at: string; reason: string; buyers: number } | null;
  queueDepth: Record<string, { waiting: number; active: number; delayed: number; failed: number }>;
  failures: Array<{ queue: string; jobId: string; failedReason: string; failedAt: string | null }>;
  deadLetters: number;
}

export function formatStatus(s: StatusView): string {
  const lines = [
    `shop            ${s.shop} (${s.installed ? 'installed' : 'not installed'}${s.hasReadAllOrders ? '' : ', without read_all_orders: only the last 60 days of orders'})`,
    `profiles        ${s.profiles} (${s.tagsPending} with tag changes waiting)`,
    `last resync     ${s.lastResync ? `${s.lastResync.state} ${s.lastResync.percent}%${s.lastResync.finishedAt ? ` at ${s.lastResync.finishedAt}` : ''}${s.lastResync.failedReason ? ` — ${s.lastResync.failedReason}` : ''} (job ${s.lastResync.jobId})` : 'none in the last hour'}`,
    `thresholds      ${s.lastCalibration ? `${s.lastCalibration.at} (${s.lastCalibration.reason}, ${s.lastCalibration.buyers} buyers)` : 'never calibrated'}`,
    `dead letters    ${s.deadLetters}`,
    '',
    'queues          waiting  running  delayed  failed',
    ...Object.entries(s.queueDepth).map(([q, d]) => `  ${q.padEnd(20)} ${String(d.waiting).padStart(5)}  ${String(d.active).padStart(7)}  ${String(d.delayed).padStart(7)}  ${String(d.failed).padStart(6)}`),
  ];
  for (const [family, segs] of Object.entries(s.segments)) {
    lines.push('', `${family}:`);
    for (const [seg, n] of Object.entries(segs).sort((a, b) => b[1] - a[1])) lines.push(`  ${seg.padEnd(22)} ${String(n).padStart(8)}`);
  }
  if (s.failures.length) {
    lines.push('', 'recent failures:');
    for (const f of s.failures) lines.push(`  ${f.failedAt ?? '?'}  ${f.queue} job ${f.jobId}: ${f.failedReason}`);
  }
  return lines.join('\n') + '\n';
}

export function createStatusCommand(deps: SupportClientDeps = defaultSupportDeps): CliCommand {
  return {
    name: 'status',
    summary: "a shop's sync state, segment counts, queues and failures (support API)",
    usage: 'usage: segments status --shop <domain> [--url http://127.0.0.1:3000] [--json]',
    async run(args, io) {
      const { values } = parseArgs({ args, options: { shop: { type: 'string' }, url: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
      const shop = requireShop(values.shop);
      return reportingSupportErrors('status', io, async () => {
        const status = await supportRequest<StatusView>(deps, deps.target(values.url), 'GET', `/shops/${shop}/status`);
        io.stdout.write(values.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
        return EXIT_OK;
      });
    },
  };
}

export const statusCommand = createStatusCommand();
