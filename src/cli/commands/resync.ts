// `segments resync --shop <domain> [--url U] [--no-wait]`: start a shop's resync through the support
// API and show a progress bar until it finishes (exit 0) or fails (exit 1).
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command.ts';
import { defaultSupportDeps, reportingSupportErrors, requireShop, supportRequest, type SupportClientDeps } from './support-client.ts';

interface ResyncView {
  jobId: string;
  state: string;
  percent: number;
  progress: { phase: string; counts: { customers: number; orders: number; profiles: number; tagsPending: number } } | null;
  failedReason: string | null;
}

const RUNNING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export function createResyncCommand(deps: SupportClientDeps = defaultSupportDeps): CliCommand {
  return {
    name: 'resync',
    summary: "re-read a shop from Shopify and recompute everything, with a progress bar (support API)",
    usage: 'usage: segments resync --shop <domain> [--url http://127.0.0.1:3000] [--no-wait]',
    async run(args, io) {
      const { values } = parseArgs({ args, options: { shop: { type: 'string' }, url: { type: 'string' }, 'no-wait': { type: 'boolean', default: false } }, strict: true });
      const shop = requireShop(values.shop);
      const target = deps.target(values.url);
      return reportingSupportErrors('resync', io, async () => {
        let view = await supportRequest<ResyncView>(deps, target, 'POST', `/shops/${shop}/resync`);
        io.stdout.write(`resync of ${shop}: job ${view.jobId} (${view.state})\n`);
        if (values['no-wait']) return EXIT_OK;
        const bar = new SingleBar(
          { stream: io.stderr, format: ' {bar} {percentage}% | {phase} | {customers} customers, {profiles} profiles', hideCursor: false, noTTYOutput: true, notTTYSchedule: 2000, clearOnComplete: false },
        );
        const payload = (v: ResyncView) => ({ phase: v.progress?.phase ?? v.state, customers: v.progress?.counts.customers ?? 0, profiles: v.progress?.counts.profiles ?? 0 });
        bar.start(100, view.percent, payload(view));
        while (RUNNING.has(view.state)) {
          await new Promise((r) => setTimeout(r, deps.pollMs));
          view = await supportRequest<ResyncView>(deps, target, 'GET', `/shops/${shop}/resync/${encodeURIComponent(view.jobId)}`);
          bar.update(view.percent, payload(view));
        }
        bar.stop();
        if (view.state === 'completed') {
          const c = view.progress?.counts;
          io.stdout.write(`done: ${c ? `${c.customers} customers, ${c.orders} orders, ${c.tagsPending} tag changes to write` : 'completed'}\n`);
          return EXIT_OK;
        }
        io.stderr.write(`resync ${view.state}: ${view.failedReason ?? 'no reason given'}\n`);
        return EXIT_FAILURE;
      });
    },
  };
}

export const resyncCommand = createResyncCommand();
