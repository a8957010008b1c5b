// The segment browser: one segment's customers (or one RFM grid cell's), paged server-side with a
// keyset cursor in a stable order — the chosen sort key, then the customer id; descending is the exact
// reverse — and its CSV export. Pages and the export read the membership index
// (src/profiles/segment-member-index.ts): point reads by `_id`, a few per page whatever the segment's size.
// GET /segments/:family/:segment/customers?sort=spend&dir=desc&limit=50&cursor=…
// POST /segments/:family/:segment/export-link → GET /segments/:family/:segment/export.csv?ticket=…
// Ids and numbers only: the app keeps no names or e-mails; each row links out to the Shopify admin.
import express, { type Response, type Router } from 'express';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import type { CustomerProfileDoc, SegmentPageCursor } from '../../src/profiles/customer-profile-store.ts';
import { BROWSER_SORTS, RFM_CELL_FAMILY, type BrowserSort } from '../../src/profiles/segment-browser-keys.ts';
import type { ExplanationMsg } from '../../src/segments/explanation.ts';
import { FAMILIES } from '../../src/segments/tags.ts';
import type { DashboardPorts } from '../ports.ts';
import { BadInput, parseInput } from '../validate.ts';
import { shopOf } from './session-token.ts';
import { issueDownloadTicket } from './download-ticket.ts';
import { defuseFormula } from './profiles-csv.ts';

const familySchema = z.enum([RFM_CELL_FAMILY, ...FAMILIES]);
const segmentSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a segment id');
const pathSchema = z.object({ family: familySchema, segment: segmentSchema }).refine((p) => p.family !== RFM_CELL_FAMILY || /^r[1-5]f[1-5]$/.test(p.segment), 'an RFM cell is r1f1 … r5f5');

const SORTS = Object.keys(BROWSER_SORTS) as [BrowserSort, ...BrowserSort[]];
const orderSchema = z.object({ sort: z.enum(SORTS).default('spend'), dir: z.enum(['asc', 'desc']).default('desc') });
const pageSchema = orderSchema.extend({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() });

/** The cursor is opaque to the page: the last row's sort value and customer id, base64url JSON. */
export function encodeCursor(c: SegmentPageCursor): string {
  return Buffer.from(JSON.stringify([c.value, c.customerId])).toString('base64url');
}

export function decodeCursor(s: string): SegmentPageCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && Number.isFinite(v[0]) && typeof v[1] === 'string' && /^\d{1,20}$/.test(v[1])) return { value: v[0], customerId: v[1] };
  } catch {
    // falls through to the error below
  }
  throw new BadInput(['cursor is not one this API handed out']);
}

/**
 * The customer's page in the Shopify admin: https://admin.shopify.com/store/<store handle>/customers/<id>,
 * the handle being the shop's myshopify subdomain (shopify.dev, Navigation API — links to admin pages:
 * https://shopify.dev/docs/api/app-home/apis/user-interface-and-interactions/navigation-api).
 */
export function shopifyCustomerUrl(shop: string, customerId: string): string {
  return `https://admin.shopify.com/store/${encodeURIComponent(shop.replace(/\.myshopify\.com$/, ''))}/customers/${encodeURIComponent(customerId)}`;
}

export interface SegmentRow {
  customerId: string;
  orders: number | null;
  spendMinor: number | null;
  lastOrderAt: number | null;
  churnProbability: number | null;
  clv12mMinor: number | null;
  /** The membership's explanation as English text (the CSV column); `explanationMsg` renders it in the viewer's language. */
  explanation: string;
  /** Message id + parameters; null for a profile written before explanations were messages (show `explanation`). */
  explanationMsg: ExplanationMsg | null;
  shopifyUrl: string;
}

const known = (v: number | undefined): number | null => (typeof v === 'number' && v >= 0 ? v : null);

export function segmentRow(shop: string, key: string, d: CustomerProfileDoc): SegmentRow {
  const m = d.memberships.find((x) => `${x.family}/${x.segment}` === key);
  return {
    customerId: d.customerId,
    orders: known(d.byOrders),
    spendMinor: known(d.bySpend),
    lastOrderAt: known(d.byLastOrder),
    churnProbability: known(d.byChurn),
    clv12mMinor: known(d.byClv),
    explanation: m?.explanation ?? '',
    explanationMsg: m?.explanationMsg ?? null,
    shopifyUrl: shopifyCustomerUrl(shop, d.customerId),
  };
}

export const SEGMENT_CSV_COLUMNS = ['customer_id', 'orders', 'spend_minor', 'last_order_at', 'churn_probability', 'clv_12m_minor', 'explanation', 'shopify_url'];

/** Streams every member as CSV through csv-stringify, honouring back-pressure; returns the row count. */
export async function streamSegmentCsv(rows: AsyncIterable<SegmentRow>, res: Response, filename: string): Promise<number> {
  res.status(200);
  res.set('Content-Type', 'text/csv; charset=utf-8');
  res.set('Content-Disposition', `attachment; filename="${filename.replace(/[^a-z0-9._-]/gi, '')}"`);
  res.set('Cache-Control', 'no-store');
  // csv-stringify quotes; text fields are defused first so spreadsheets never run them as formulas.
  const csv = stringify({ header: true, columns: SEGMENT_CSV_COLUMNS, cast: { string: defuseFormula } });
  csv.pipe(res);
  let n = 0;
  for await (const r of rows) {
    if (res.destroyed) break;
    const line = [r.customerId, r.orders, r.spendMinor, r.lastOrderAt === null ? null : new Date(r.lastOrderAt).toISOString(), r.churnProbability, r.clv12mMinor, r.explanation, r.shopifyUrl];
    if (!csv.write(line)) await new Promise<void>((resolve) => csv.once('drain', resolve));
    n++;
  }
  csv.end();
  await new Promise<void>((resolve) => res.once('finish', resolve).once('close', resolve));
  return n;
}

function parsePath(params: unknown): { family: string; segment: string; key: string } {
  const p = parseInput(pathSchema, params);
  return { ...p, key: `${p.family}/${p.segment}` };
}

export function segmentBrowserRouter(ports: Pick<DashboardPorts, 'profiles'>, apiSecret: string): Router {
  const r = express.Router();
  r.get('/segments/:family/:segment/customers', async (req, res) => {
    const shop = shopOf(res);
    const { family, segment, key } = parsePath(req.params);
    const q = parseInput(pageSchema, req.query);
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    // The count first: on a shop without aggregates yet it builds them and the membership index.
    const total = after ? null : await ports.profiles.countSegment(shop, key);
    const page = await ports.profiles.segmentPage(shop, key, BROWSER_SORTS[q.sort], q.dir === 'desc' ? -1 : 1, q.limit, after);
    res.json({ family, segment, sort: q.sort, dir: q.dir, total, rows: page.docs.map((d) => segmentRow(shop, key, d)), nextCursor: page.next ? encodeCursor(page.next) : null });
  });
  r.post('/segments/:family/:segment/export-link', async (req, res) => {
    const { family, segment } = parsePath(req.params);
    const q = parseInput(orderSchema, req.query);
    const ticket = await issueDownloadTicket(shopOf(res), apiSecret, Date.now());
    res.json({ url: `${req.baseUrl}/segments/${family}/${segment}/export.csv?sort=${q.sort}&dir=${q.dir}&ticket=${encodeURIComponent(ticket)}`, expiresInSeconds: 60 });
  });
  return r;
}

/** GET /segments/:family/:segment/export.csv — mounted behind the ticket check (export.ts). */
export function segmentExportHandler(ports: Pick<DashboardPorts, 'profiles'>) {
  return async (req: express.Request, res: Response): Promise<number> => {
    const shop = shopOf(res);
    const { family, segment, key } = parsePath(req.params);
    const q = parseInput(orderSchema, req.query);
    await ports.profiles.derivedState(shop);
    const docs = ports.profiles.segmentMembers(shop, key, BROWSER_SORTS[q.sort], q.dir === 'desc' ? -1 : 1, null);
    async function* rows(): AsyncGenerator<SegmentRow> {
      for await (const d of docs) yield segmentRow(shop, key, d);
    }
    return streamSegmentCsv(rows(), res, `segment-${family}-${segment}.csv`);
  };
}
