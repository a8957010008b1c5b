// `segments recompute --shop <domain> --customer <id> [--url U]`: queue one customer's recompute
// (deduplicated per customer by the pipeline) through the support API.
import { parseArgs } from 'node:util';
import { EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { customerIdArg, defaultSupportDeps, reportingSupportErrors, requireShop, supportRequest, type SupportClientDeps } from './support-client.ts';

export function createRecomputeCommand(deps: SupportClientDeps = defaultSupportDeps): CliCommand {
  return {
    name: 'recompute',
    summary: "recompute one customer's segments and tags now (support API)",
    usage: 'usage: segments recompute --shop <domain> --customer <shopify customer id> [--url http://127.0.0.1:3000]',
    async run(args, io) {
      const { values } = parseArgs({ args, options: { shop: { type: 'string' }, customer: { type: 'string' }, url: { type: 'string' } }, strict: true });
      const shop = requireShop(values.shop);
      const customer = customerIdArg(values.customer);
      if (!customer) throw new UsageError('--customer <id> is required (the numeric Shopify customer id or its gid)');
      return reportingSupportErrors('recompute', io, async () => {
        await supportRequest(deps, deps.target(values.url), 'POST', `/shops/${shop}/customers/${customer}/recompute`);
        io.stdout.write(`queued: customer ${customer} of ${shop} will be recomputed (tags follow if they change)\n`);
        return EXIT_OK;
      });
    },
  };
}

export const recomputeCommand = createRecomputeCommand();
