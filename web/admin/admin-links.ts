// GET /app/admin-link/customers: where the admin link extensions (extensions/customer-admin-links)
// land. Shopify appends the shop and the customer id — `id` from a customer's page, `ids[]` from a
// selection on the customer index, numeric or as a gid (https://shopify.dev/docs/apps/build/admin/admin-links).
// The page answers with a redirect to the dashboard's customer page (/app/customers/<id>, the Customer
// lookup opened on that customer; for a selection, the first selected customer), keeping Shopify's
// shop/host/embedded parameters. Bad ids: 400, said plainly.
// No data is read here: the lookup goes through the session-token-protected admin API as usual.
import express, { type Request, type Router } from 'express';

const KEPT = ['shop', 'host', 'embedded', 'locale'] as const;

/** '123', 'gid://shopify/Customer/123' → '123'; anything else → null. */
export function customerIdFromParam(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(?:gid:\/\/shopify\/Customer\/)?(\d{1,20})$/.exec(value.trim());
  return m ? m[1]! : null;
}

function idsOf(req: Request): { ids: string[]; bad: string[] } {
  const raw = [req.query.id, req.query.ids, req.query['ids[]']].flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
  const ids: string[] = [];
  const bad: string[] = [];
  for (const v of raw) {
    const id = customerIdFromParam(v);
    if (id) {
      if (!ids.includes(id)) ids.push(id);
    } else bad.push(String(v).slice(0, 60));
  }
  return { ids, bad };
}

export function adminLinksRouter(): Router {
  const r = express.Router();
  r.get('/customers', (req, res) => {
    const { ids, bad } = idsOf(req);
    if (bad.length || ids.length === 0) {
      res.status(400).type('text/plain').send(`Expected a Shopify customer id (id=123 or ids[]=123), got ${bad.length ? bad.join(', ') : 'none'}.`);
      return;
    }
    const q = new URLSearchParams();
    for (const k of KEPT) if (typeof req.query[k] === 'string') q.set(k, req.query[k]);
    const query = q.toString();
    res.redirect(302, `/app/customers/${ids[0]!}${query ? `?${query}` : ''}`);
  });
  return r;
}
