// Issue 13, item 7: headers and small things.
// - X-Content-Type-Options: nosniff on every response (a JSON or CSV answer is never sniffed into HTML).
// - Strict-Transport-Security only when the request came over TLS — directly or through a proxy we
//   trust (TRUST_PROXY) — never because any client sent X-Forwarded-Proto.
// - The support pages (Bull Board) are not frameable and load scripts from this origin only: apps not
//   rendered in the Shopify admin set frame-ancestors 'none'
//   (https://shopify.dev/docs/apps/build/security/app-server/set-up-iframe-protection).
// - The support CLI refuses to send SUPPORT_TOKEN over plain http to a host other than this machine.
// - CSV export defuses a leading tab or carriage return as well as = + - @ (CSV injection).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDashboardFixture, SHOP_A, SUPPORT_TOKEN, type DashboardFixture } from '../web/fixture.ts';
import { createApp } from '../../web/app.ts';
import { dashboardMounts } from '../../web/mounts.ts';
import { csvField } from '../../web/admin/profiles-csv.ts';
import { supportRequest, type SupportClientDeps } from '../../src/cli/commands/support-client.ts';
import { UsageError } from '../../src/cli/command.ts';
import { testLogger } from '../support/test-services.ts';

describe('security 7: headers and small things', () => {
  let f: DashboardFixture;
  let proxied: Server;
  let proxiedUrl: string;

  before(async () => {
    f = await startDashboardFixture(import.meta.url, { customersA: 3 });
    // The same app behind a TLS-terminating proxy on loopback (TRUST_PROXY=loopback).
    const config = { ...f.config, TRUST_PROXY: 'loopback' };
    const app = createApp({ deps: { ...f.deps, config }, effects: f.rt.enqueue, mounts: dashboardMounts(f.ports, { config, redis: f.deps.redis, logger: testLogger }) });
    proxied = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    proxiedUrl = `http://127.0.0.1:${(proxied.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxied.closeAllConnections();
    await new Promise<void>((r) => proxied.close(() => r()));
    await f.close();
  });

  it('nosniff on every response; HSTS only over TLS as told by a trusted proxy', async () => {
    const token = await f.token(SHOP_A);
    const responses = await Promise.all([
      f.get('/health'), f.get('/api/session', token), f.get('/api/nope', token), f.get('/support/shops/x/status'),
      f.get('/app'), fetch(`${f.url}/webhooks`, { method: 'POST', body: '{}' }),
    ]);
    for (const r of responses) assert.equal(r.headers.get('x-content-type-options'), 'nosniff', r.url);
    // Not trusted: a client's X-Forwarded-Proto does not make plain http look like TLS.
    const spoofed = await f.get('/health', null, { 'X-Forwarded-Proto': 'https' });
    assert.equal(spoofed.headers.get('strict-transport-security'), null);
    assert.equal((await f.get('/health')).headers.get('strict-transport-security'), null, 'no HSTS over plain http');
    // Behind the trusted proxy that terminated TLS.
    const viaProxy = await fetch(`${proxiedUrl}/health`, { headers: { 'X-Forwarded-Proto': 'https' } });
    assert.match(viaProxy.headers.get('strict-transport-security') ?? '', /^max-age=\d{8,}; includeSubDomains$/);
    assert.equal((await fetch(`${proxiedUrl}/health`)).headers.get('strict-transport-security'), null);
  });

  it('the support pages carry a CSP with frame-ancestors \'none\' and X-Frame-Options DENY', async () => {
    const basic = `Basic ${Buffer.from(`support:${SUPPORT_TOKEN}`).toString('base64')}`;
    for (const [path, auth] of [['/support/queues/', basic], ['/support/shops/x/status', null], [`/support/shops/${SHOP_A}/status`, `Bearer ${SUPPORT_TOKEN}`]] as const) {
      const res = await f.get(path, null, auth ? { Authorization: auth } : {});
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    }
  });

  it('the support CLI refuses to send the token over plain http to a non-loopback host', async () => {
    const sent: string[] = [];
    const deps: SupportClientDeps = {
      target: (u) => ({ url: u ?? 'http://127.0.0.1:1', token: SUPPORT_TOKEN }),
      fetch: async (input) => { sent.push(String(input)); return new Response('{"ok":true}', { status: 200 }); },
      pollMs: 1,
    };
    for (const url of ['http://segments.example.com', 'http://10.0.0.5:3000', 'http://127.0.0.1.nip.io', 'ftp://127.0.0.1']) {
      await assert.rejects(supportRequest(deps, deps.target(url), 'GET', '/shops/a.myshopify.com/status'), UsageError, url);
    }
    assert.deepEqual(sent, [], 'the token went nowhere');
    for (const url of ['https://segments.example.com', 'http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000']) {
      await supportRequest(deps, deps.target(url), 'GET', '/x');
    }
    assert.equal(sent.length, 4);
  });

  it('CSV export defuses formulas, including a leading tab or carriage return', () => {
    for (const v of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1+1', '\r=1+1']) {
      const out = csvField(v);
      assert.ok(out.startsWith("'") || out.startsWith(`"'`), `${JSON.stringify(v)} → ${JSON.stringify(out)}`);
    }
    assert.equal(csvField('seg:vip'), 'seg:vip');
    assert.equal(csvField(-5), '-5', 'numbers stay numbers');
  });
});
