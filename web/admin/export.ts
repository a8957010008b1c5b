// CSV export of the shop's profiles. A download is a plain link, which cannot carry the Authorization
// header: POST /export-link hands out a short-lived download ticket (a JWT, download-ticket.ts), and
// GET /export.csv accepts that ticket (or a session token) and streams the rows (profiles-csv.ts).
import express, { type RequestHandler, type Router } from 'express';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { bearerToken, shopOf, verifySessionToken } from './session-token.ts';
import { issueDownloadTicket, verifyDownloadTicket } from './download-ticket.ts';
import { streamProfilesCsv } from './profiles-csv.ts';
import { segmentExportHandler } from './segment-browser.ts';

interface ExportOptions {
  auth: { apiKey: string; apiSecret: string };
  /** The per-shop rate limit, applied once the shop is known. */
  limit: RequestHandler;
  logger: Logger;
}

/** A download's own authentication: the ticket (or a session token), then the shop's rate limit. */
function ticketOrToken(o: ExportOptions): RequestHandler[] {
  return [
    async (req, res, next) => {
      const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : null;
      const shop = ticket ? await verifyDownloadTicket(ticket, o.auth.apiSecret, Date.now()) : await verifySessionToken(bearerToken(req), o.auth).then((v) => (v.valid ? v.shop : null));
      if (!shop) {
        res.status(401).json({ error: 'unauthorized', reason: ticket ? 'bad_ticket' : 'missing_token' });
        return;
      }
      res.locals.shop = shop;
      next();
    },
    o.limit,
  ];
}

/**
 * GET /export.csv (every profile) and GET /segments/:family/:segment/export.csv (one segment's
 * members, segment-browser.ts): mounted before the session-token check, as they authenticate themselves.
 */
export function csvDownloadRouter(ports: Pick<DashboardPorts, 'profiles'>, o: ExportOptions): Router {
  const r = express.Router();
  const segmentCsv = segmentExportHandler(ports);
  r.get('/segments/:family/:segment/export.csv', ...ticketOrToken(o), async (req, res) => {
    const rows = await segmentCsv(req, res);
    o.logger.info({ shop: shopOf(res), segment: `${req.params.family}/${req.params.segment}`, rows }, 'segment exported');
  });
  r.get(
    '/export.csv',
    ...ticketOrToken(o),
    async (_req, res) => {
      const shop = shopOf(res);
      const rows = await streamProfilesCsv(ports.profiles, shop, res);
      o.logger.info({ shop, rows }, 'profiles exported');
    },
  );
  return r;
}

/** POST /export-link: behind the session token. */
export function exportLinkRouter(apiSecret: string): Router {
  const r = express.Router();
  r.post('/export-link', async (req, res) => {
    const ticket = await issueDownloadTicket(shopOf(res), apiSecret, Date.now());
    res.json({ url: `${req.baseUrl}/export.csv?ticket=${encodeURIComponent(ticket)}`, expiresInSeconds: 60 });
  });
  return r;
}
