// The simulator's HTTP surface (Express 5). Every route is also served under /shops/:shop so a client
// can name the shop in the path; the Host header (*.myshopify.com) and X-Shopify-Shop-Domain work too.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { handleGraphql } from './graphql-endpoint.ts';
import type { Simulator } from './simulator.ts';

function shopHint(req: Request): string | null {
  const fromPath = typeof req.params.shopDomain === 'string' ? req.params.shopDomain : null;
  const host = (req.get('host') ?? '').split(':')[0]?.toLowerCase() ?? '';
  const header = req.get('X-Shopify-Shop-Domain');
  const hint = fromPath ?? (host.endsWith('.myshopify.com') ? host : null) ?? header ?? null;
  return hint ? hint.toLowerCase() : null;
}

async function readForm(req: Request): Promise<{ fields: Record<string, string>; file: Buffer | null }> {
  // Node's fetch implementation parses multipart bodies; no extra dependency needed.
  const request = new Request('http://simulator.local/upload', {
    method: 'POST',
    headers: { 'content-type': req.get('content-type') ?? '' },
    body: Readable.toWeb(req) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const form = await request.formData();
  const fields: Record<string, string> = {};
  let file: Buffer | null = null;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields[name] = value;
    else if (name === 'file') file = Buffer.from(await value.arrayBuffer());
  }
  return { fields, file };
}

export function createSimulatorApp(sim: Simulator): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const r = express.Router({ mergeParams: true });

  r.get('/health', (_req, res) => {
    res.json({ ok: true, simulator: 'shopify-simulator' });
  });

  r.post('/admin/api/:version/graphql.json',
    express.json({ limit: '10mb' }),
    express.text({ type: 'application/graphql', limit: '10mb' }),
    (req, res) => handleGraphql(sim, req, res, shopHint(req)));

  r.post('/admin/oauth/access_token', express.json(), express.urlencoded({ extended: false }), (req, res) => {
    const hint = shopHint(req);
    if (hint && !sim.findShop(hint)) {
      res.status(404).json({ errors: 'Not Found' });
      return;
    }
    const answer = sim.tokenExchange((req.body ?? {}) as Record<string, unknown>, hint);
    // An injected lost answer: the grant took effect, the client sees the connection drop.
    if (answer.lost) {
      req.socket.destroy();
      return;
    }
    res.status(answer.status).json(answer.json);
  });

  r.post('/staged-uploads', async (req, res) => {
    if (!(req.get('content-type') ?? '').startsWith('multipart/form-data')) {
      res.status(400).type('application/xml').send("<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidArgument</Code><Message>Expected multipart/form-data.</Message></Error>");
      return;
    }
    let form: Awaited<ReturnType<typeof readForm>>;
    try {
      form = await readForm(req);
    } catch {
      res.status(400).type('application/xml').send("<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidArgument</Code><Message>Malformed multipart body.</Message></Error>");
      return;
    }
    const out = sim.uploads.receive(form.fields, form.file);
    res.status(out.status).type('application/xml').send(out.body);
  });

  r.put('/staged-uploads', express.raw({ type: () => true, limit: '101mb' }), (req, res) => {
    const q = req.query as Record<string, string>;
    const out = sim.uploads.receive({ key: q.key ?? '', policy: q.policy ?? '', 'x-goog-signature': q['x-goog-signature'] ?? '' }, req.body as Buffer);
    res.status(out.status === 201 ? 200 : out.status).type('application/xml').send(out.status === 201 ? '' : out.body);
  });

  r.get('/bulk/:shopId/:file', (req, res) => {
    const path = sim.bulk.resultFile(String(req.params.shopId), String(req.params.file));
    if (!path) {
      res.status(404).type('application/xml').send("<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
      return;
    }
    res.status(200).type('application/jsonl');
    createReadStream(path).on('error', () => res.destroy()).pipe(res);
  });

  app.use('/shops/:shopDomain', r);
  app.use('/', r);
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ errors: 'Not Found' });
  });
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status && err.status < 500 ? err.status : 500).json({ errors: err.status && err.status < 500 ? err.message : 'Internal Server Error' });
  });
  return app;
}
