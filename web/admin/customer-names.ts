// Live customer names for the visible page only (issue 16). The app keeps no names or e-mails; a
// merchant may opt in to see the names of the customers on screen, read from Shopify's Admin API at
// that moment (src/shopify/customer-names.ts, Customer.displayName: level 2 protected customer data)
// and passed straight to the page:
//   GET  /customer-names/setting       { enabled }   the opt-in (off by default)
//   PUT  /customer-names/setting       { enabled }   switch it
//   POST /customer-names  { ids: [...] }  → { status, names }   at most one page of ids
// status: 'ok' (names by id; customers without a name are absent), 'off' (not opted in),
// 'not-approved' (Shopify refuses protected customer fields to this app on this shop: ids only),
// 'unavailable' (Shopify could not be asked now). Every answer is `Cache-Control: no-store`; nothing of
// it is written to MongoDB, Redis, logs or CSV (test/web/customer-names.int.test.ts watches all three).
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../src/logger.ts';
import { MAX_NAME_IDS } from '../../src/shopify/customer-names.ts';
import type { DashboardPorts } from '../ports.ts';
import { customerIdSchema, parseInput } from '../validate.ts';
import { shopOf } from './session-token.ts';

const namesBody = z.object({ ids: z.array(customerIdSchema).min(1).max(MAX_NAME_IDS) });
const settingBody = z.object({ enabled: z.boolean() });

const noStore = (res: Response): void => {
  res.set('Cache-Control', 'no-store');
};

export function customerNamesRouter(ports: Pick<DashboardPorts, 'shops' | 'shopify' | 'now'>, logger: Logger): Router {
  const r = express.Router();
  r.get('/customer-names/setting', async (_req, res) => {
    const doc = await ports.shops.get(shopOf(res));
    res.json({ enabled: doc?.liveCustomerNames === true });
  });
  r.put('/customer-names/setting', async (req, res) => {
    const { enabled } = parseInput(settingBody, req.body);
    await ports.shops.setLiveCustomerNames(shopOf(res), enabled, new Date(ports.now()));
    res.json({ enabled });
  });
  r.post('/customer-names', async (req, res) => {
    noStore(res);
    const shop = shopOf(res);
    const ids = [...new Set(parseInput(namesBody, req.body).ids)];
    const doc = await ports.shops.get(shop);
    const read = ports.shopify.customerNames;
    if (doc?.liveCustomerNames !== true || !read) {
      res.json({ status: doc?.liveCustomerNames === true ? 'unavailable' : 'off', names: {} });
      return;
    }
    try {
      const r2 = await read.call(ports.shopify, shop, ids);
      res.json(r2.status === 'ok' ? { status: 'ok', names: r2.names } : { status: 'not-approved', names: {} });
    } catch (err) {
      // The error's class and message only (Shopify's errors name no customer); never the answer.
      logger.warn({ shop, err: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'error' }, 'live customer names unavailable');
      res.json({ status: 'unavailable', names: {} });
    }
  });
  return r;
}
