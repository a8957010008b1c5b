// GET /shops/:shop/customers/:customerId/data-request: the record prepared when Shopify sent
// customers/data_request (what we hold on the customer, why, until when the record is kept), for
// support to hand to the merchant (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance).
import express, { type Router } from 'express';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { customerIdSchema, parseInput, shopSchema } from '../validate.ts';

export function dataRequestsRouter(ports: Pick<DashboardPorts, 'dataRequests'>, logger: Logger): Router {
  const r = express.Router();
  r.get('/shops/:shop/customers/:customerId/data-request', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const customerId = parseInput(customerIdSchema, req.params.customerId);
    const records = await ports.dataRequests.forCustomer(shop, customerId);
    if (!records.length) {
      res.status(404).json({ error: 'not_found', reason: 'no data request for this customer (none received, already redacted, or expired after 30 days)' });
      return;
    }
    logger.info({ shop, customerId, records: records.length }, 'support fetched a data-request record');
    res.set('Cache-Control', 'no-store');
    res.json({ shop, customerId, records });
  });
  return r;
}
