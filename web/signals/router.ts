// The public signal endpoints under /signals (docs/signals.md): the web pixel, Klaviyo system
// webhooks, Klaviyo flow webhooks and the generic click form. Mounted by web/app.ts beside /webhooks.
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { SignalPorts } from './ports.ts';
import { signalLimiters } from './limits.ts';
import { pixelRouter } from './pixel.ts';
import { clicksRouter } from './clicks.ts';

export function createSignalsRouter(ports: SignalPorts): Router {
  const limiters = signalLimiters(ports.redis, ports.keys, ports.limits);
  const r = express.Router();
  r.use(pixelRouter(ports, limiters));
  r.use(clicksRouter(ports, limiters));
  const errors: ErrorRequestHandler = (err: { status?: number; type?: string }, _req, res, _next) => {
    if (err.status === 413 || err.type === 'entity.too.large') { res.status(413).json({ error: 'body_too_large' }); return; }
    if (err.status === 400) { res.status(400).json({ error: 'unreadable_body' }); return; }
    ports.logger.error({ err }, 'signal endpoint failed');
    res.status(500).json({ error: 'internal' });
  };
  r.use(errors);
  return r;
}
