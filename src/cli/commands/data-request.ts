// `segments data-request <shop> <customer> [--url U]`: prints the record prepared for a
// customers/data_request (what we hold on the customer, why, and until when the record is kept), as
// JSON for the merchant to hand over. Through the support API (SUPPORT_TOKEN).
import { parseArgs } from 'node:util';
import { EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { customerIdArg, defaultSupportDeps, reportingSupportErrors, requireShop, supportRequest, type SupportClientDeps } from './support-client.ts';

export function createDataRequestCommand(deps: SupportClientDeps = defaultSupportDeps): CliCommand {
  return {
    name: 'data-request',
    summary: "print the record prepared for a customer's data request (support API)",
    usage: 'usage: segments data-request <shop domain> <shopify customer id> [--url http://127.0.0.1:3000]',
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: { url: { type: 'string' } }, allowPositionals: true, strict: true });
      const [shopArg, customerArg] = positionals;
      const shop = requireShop(shopArg);
      const customer = customerIdArg(customerArg);
      if (!customer) throw new UsageError('<customer> is required (the numeric Shopify customer id or its gid)');
      return reportingSupportErrors('data-request', io, async () => {
        const record = await supportRequest<unknown>(deps, deps.target(values.url), 'GET', `/shops/${shop}/customers/${customer}/data-request`);
        io.stdout.write(JSON.stringify(record, null, 2) + '\n');
        return EXIT_OK;
      });
    },
  };
}

export const dataRequestCommand = createDataRequestCommand();
