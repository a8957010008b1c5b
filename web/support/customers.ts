// Per-customer support actions: POST /shops/:shop/customers/:customerId/recompute, and
// POST /shops/:shop/engagement (email clicks and visits, which "Lost but Engaged" depends on).
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { customerIdSchema, parseInput, shopSchema } from '../validate.ts';

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const engagementBody = z.object({
  signals: z
    .array(
      z
        .object({ customerId: customerIdSchema, emailClickAt: instant.optional(), visitAt: instant.optional() })
        .refine((s) => s.emailClickAt || s.visitAt, 'needs emailClickAt or visitAt'),
    )
    .min(1)
    .max(1000),
});

export function customersRouter(ports: Pick<DashboardPorts, 'engagement' | 'enqueue' | 'now'>, logger: Logger): Router {
  const r = express.Router();
  r.post('/shops/:shop/customers/:customerId/recompute', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const customerId = parseInput(customerIdSchema, req.params.customerId);
    await ports.enqueue.recomputeCustomer(shop, customerId, 'support');
    logger.info({ shop, customerId }, 'support recompute requested');
    res.status(202).json({ shop, customerId, queued: true });
  });

  r.post('/shops/:shop/engagement', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const { signals } = parseInput(engagementBody, req.body);
    await ports.engagement.record(shop, signals, new Date(ports.now()));
    // Recompute each customer the signals name (deduplicated per customer).
    const customers = [...new Set(signals.map((s) => s.customerId))];
    for (const id of customers) await ports.enqueue.recomputeCustomer(shop, id, 'support');
    logger.info({ shop, signals: signals.length }, 'engagement signals recorded');
    res.status(202).json({ shop, recorded: signals.length, recomputing: customers.length });
  });
  return r;
}
