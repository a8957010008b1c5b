// The admin link extensions' landing route: Shopify's `id` (customer page) or `ids[]` (index selection),
// numeric or gid, → the dashboard's Customer lookup for that customer, Shopify's parameters kept; bad
// ids refused in words.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { adminLinksRouter, customerIdFromParam } from '../../web/admin/admin-links.ts';

describe('admin link landing route', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = express();
    app.use('/app/admin-link', adminLinksRouter());
    server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/app/admin-link/customers`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  const get = (q: string) => fetch(`${base}?${q}`, { redirect: 'manual' });

  it('reads a numeric or gid id', () => {
    assert.equal(customerIdFromParam('7100000000001'), '7100000000001');
    assert.equal(customerIdFromParam('gid://shopify/Customer/42'), '42');
    assert.equal(customerIdFromParam('gid://shopify/Order/42'), null);
    assert.equal(customerIdFromParam('42; drop'), null);
  });

  it('sends the customer page link to the lookup, keeping shop, host and embedded', async () => {
    const res = await get('id=gid%3A%2F%2Fshopify%2FCustomer%2F42&shop=a.myshopify.com&host=abc&embedded=1&hmac=x');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/app/customers/42?shop=a.myshopify.com&host=abc&embedded=1');
  });

  it('opens the first customer of an index selection', async () => {
    const res = await get('ids[]=5&ids[]=6&shop=a.myshopify.com');
    assert.equal(res.headers.get('location'), '/app/customers/5?shop=a.myshopify.com');
  });

  it('refuses a missing or malformed id with a sentence', async () => {
    for (const q of ['shop=a.myshopify.com', 'id=abc']) {
      const res = await get(q);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /Expected a Shopify customer id/);
    }
  });
});
