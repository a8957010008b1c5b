// `segments recompute --shop <domain> --customer <id> [--url U]`: queue one customer's recompute
// (deduplicated per customer by the pipeline) through the support API.
import { parseArgs } from 'node:util';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { defaultSupportDeps, requireShop, SupportApiError, supportRequest, type SupportClientDeps } from './support-client.ts';

export function createRecomputeCommand(deps: SupportClientDeps = defaultSupportDeps): CliCommand {
  return {
    name: 'recompute',
    summary: "recompute one customer's segments and tags now (support API)",
    usage: 'usage: segments recompute --shop <domain> --customer <shopify customer id> [--url http://127.0.0.1:3000]',
    async run(args, io) {
      const { values } = parseArgs({ args, options: { shop: { type: 'string' }, customer: { type: 'string' }, url: { type: 'string' } }, strict: true });
      const shop = requireShop(values.shop);
      const customer = values.customer?.trim().replace(/^gid:\/\/shopify\/Customer\//, '');
      if (!customer || !/^\d{1,20}$/.test(customer)) throw new UsageError('--customer <id> is required (the numeric Shopify customer id or its gid)');
      try {
        await supportRequest(deps, deps.target(values.url), 'POST', `/shops/${shop}/customers/${customer}/recompute`);
        io.stdout.write(`queued: customer ${customer} of ${shop} will be recomputed (tags follow if they change)\n`);
        return EXIT_OK;
      } catch (err) {
        if (!(err instanceof SupportApiError)) throw err;
        io.stderr.write(`segments recompute: ${err.message}\n`);
        return EXIT_FAILURE;
      }
    },
  };
}

export const recomputeCommand = createRecomputeCommand();
