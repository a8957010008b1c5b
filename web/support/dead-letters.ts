// GET /shops/:shop/dead-letters?limit=: the newest deliveries we could not use, with their stripped
// payloads (see src/profiles/dead-letter-store.ts).
import express, { type Router } from 'express';
import { z } from 'zod';
import type { DashboardPorts } from '../ports.ts';
import { parseInput, shopSchema } from '../validate.ts';

const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return null;
  }
}

export function deadLettersRouter(ports: Pick<DashboardPorts, 'deadLetters'>): Router {
  const r = express.Router();
  r.get('/shops/:shop/dead-letters', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const { limit } = parseInput(limitQuery, req.query);
    const list = await ports.deadLetters.list(shop, limit);
    res.json({ shop, deadLetters: list.map((d) => ({ webhookId: d.webhookId, topic: d.topic, reason: d.reason, customerId: d.customerId, receivedAt: d.receivedAt, truncated: d.truncated, payload: safeJson(d.payloadJson) })) });
  });
  return r;
}
