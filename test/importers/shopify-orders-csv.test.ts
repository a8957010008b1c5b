import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImportError } from '../../src/importers/import-result.ts';
import type { ImportResult } from '../../src/importers/import-result.ts';
import { customerIdFromEmail, importShopifyOrdersCsv, parseShopifyTime, streamShopifyOrders } from '../../src/importers/shopify-orders-csv.ts';
import type { BadRow } from '../../src/importers/import-result.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/shopify-orders-sample.csv', import.meta.url));
let dir: string;
let r: ImportResult;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopify-csv-test-'));
  r = await importShopifyOrdersCsv(FIXTURE);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ordersOf = (email: string) => r.customers.find((c) => c.customerId === customerIdFromEmail(email))!.orders;

describe('Shopify orders export importer', () => {
  it('groups line-item rows into orders by Name and orders into customers by email', () => {
    assert.equal(r.rows, 16);
    assert.equal(r.orders, 11); // 13 orders, one bad row, one guest order without email
    assert.equal(r.ordersWithoutCustomer, 1);
    assert.equal(r.customers.length, 5);
    const ana = ordersOf('ana@example.com');
    assert.deepEqual(ana.map((o) => o.id).sort(), ['5512345678901', '5512345678903', '5512345678905', '5512345678908']);
    const first = ana.find((o) => o.id === '5512345678901')!;
    assert.deepEqual(first.lineItems, [
      { productId: null, variantId: null, sku: 'TP-MINT-75', quantity: 2 },
      { productId: null, variantId: null, sku: 'TB-BAMBOO', quantity: 1 },
    ]);
  });

  it('never keeps the email: customers get a stable pseudonymous id', () => {
    assert.ok(!JSON.stringify(r.customers).includes('@'));
    assert.equal(customerIdFromEmail(' ANA@example.com'), customerIdFromEmail('ana@example.com'));
    assert.match(customerIdFromEmail('ana@example.com'), /^email-[0-9a-f]{24}$/);
  });

  it('reads money in minor units with refunds netted out, and the order fields the engine needs', () => {
    const ana = ordersOf('ana@example.com');
    const partial = ana.find((o) => o.id === '5512345678903')!;
    assert.equal(partial.grossMinor, 3340);
    assert.equal(partial.netMinor, 2390);
    assert.equal(partial.financialStatus, 'partially_refunded');
    assert.deepEqual(partial.discountCodes, ['SPRING5']);
    assert.equal(partial.processedAt, Date.UTC(2026, 1, 4, 9, 59, 51));
    const ben = ordersOf('ben@example.com');
    const voided = ben.find((o) => o.id === '5512345678906')!;
    assert.equal(voided.financialStatus, 'voided');
    assert.equal(voided.cancelledAt, Date.UTC(2026, 2, 9, 20));
    const gift = ben.find((o) => o.id === '5512345678911')!;
    assert.deepEqual(gift.tags, ['vip', 'newsletter']);
    assert.equal(gift.lineItems.length, 3);
    assert.equal(gift.lineItems[2]!.productId, 'title:Travel Case');
    const carla = ordersOf('carla@example.com');
    assert.equal(carla.find((o) => o.id === '5512345678913')!.sourceName, 'shopify_draft_order');
    assert.equal(ordersOf('dev@example.com')[0]!.sourceName, 'pos');
  });

  it('skips a bad row and reports its line number', () => {
    assert.deepEqual(r.badRows, [{ line: 16, reason: 'bad Total "not-a-number"' }]);
  });

  it('streams complete orders one by one, in file order', async () => {
    const bad: BadRow[] = [];
    const names: string[] = [];
    for await (const o of streamShopifyOrders(FIXTURE, { onBadRow: (b) => bad.push(b) })) names.push(`${o.id}:${o.lineItems.length}`);
    assert.equal(names.length, 12);
    assert.equal(names[0], '5512345678901:2');
    assert.equal(names[10], '5512345678911:3');
    assert.equal(bad.length, 1);
  });

  it('reports a row of an order that comes after other orders instead of merging it silently', async () => {
    const file = join(dir, 'split.csv');
    writeFileSync(file, 'Name,Email,Financial Status,Created at,Total,Lineitem quantity,Lineitem sku\n#1,a@example.com,paid,2026-01-01 10:00:00 +0000,10.00,1,A\n#2,b@example.com,paid,2026-01-02 10:00:00 +0000,20.00,1,B\n#1,,,,,2,C\n');
    const res = await importShopifyOrdersCsv(file);
    assert.equal(res.orders, 2);
    assert.deepEqual(res.badRows, [{ line: 4, reason: "row of order #1 after other orders (an order's rows must be together)" }]);
  });

  it('parses the export’s time format with its offset', () => {
    assert.equal(parseShopifyTime('2026-01-05 09:12:40 +0100'), Date.UTC(2026, 0, 5, 8, 12, 40));
    assert.equal(parseShopifyTime('2026-04-05T07:54:30-04:00'), Date.UTC(2026, 3, 5, 11, 54, 30));
    assert.equal(parseShopifyTime('yesterday'), null);
  });

  it('fails clearly on an unreadable file or a CSV that is not an orders export', async () => {
    await assert.rejects(importShopifyOrdersCsv(join(dir, 'nope.csv')), (e: unknown) => e instanceof ImportError && e.kind === 'unreadable');
    const other = join(dir, 'products.csv');
    writeFileSync(other, 'Handle,Title,Variant SKU\nshirt,Shirt,S-1\n');
    await assert.rejects(importShopifyOrdersCsv(other), (e: unknown) => e instanceof ImportError && e.kind === 'unknown-format' && /missing columns Name, Email, Financial Status, Created at, Total/.test(e.message));
  });
});
