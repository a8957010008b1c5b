// The same five orders written as Shopify's export has written them over the years, and as a
// spreadsheet re-saves them: each variant must read to the same customers, orders and amounts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImportError } from '../../src/importers/import-result.ts';
import type { ImportResult } from '../../src/importers/import-result.ts';
import { customerIdFromEmail, customerIdFromPhone, detectDelimiter, importShopifyOrdersCsv } from '../../src/importers/shopify-orders-csv.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const VARIANTS = {
  // 2022: no Outstanding Balance, Employee, Location, Device ID, Phone; multi-line quoted notes; a "$12OFF" code
  older: fixture('shopify-orders-2022-header.csv'),
  // recent: extra columns (Phone, Employee, Payment ID…), "Lineitem SKU", "Canceled at", a BOM, CRLF
  recent: fixture('shopify-orders-recent-header.csv'),
  // a spreadsheet's re-save: ';' separators, "1.234,50" amounts, a subset of the columns reordered, a BOM
  semicolon: fixture('shopify-orders-semicolon.csv'),
};
const read: Record<string, ImportResult> = {};
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopify-variants-test-'));
  for (const [name, path] of Object.entries(VARIANTS)) read[name] = await importShopifyOrdersCsv(path);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ordersOf = (r: ImportResult, id: string) => r.customers.find((c) => c.customerId === id)!.orders;

describe('Shopify export variants', () => {
  for (const name of Object.keys(VARIANTS)) {
    it(`${name}: reads every order by column name, money and times included`, () => {
      const r = read[name]!;
      assert.deepEqual(r.badRows, []);
      assert.equal(r.rows, 6);
      assert.equal(r.orders, 5);
      assert.equal(r.ordersWithoutCustomer, 0);
      assert.deepEqual(r.identifiedBy, { email: 2, phone: 1, emailAndPhone: 0 });
      const ana = ordersOf(r, customerIdFromEmail('ana@example.com'));
      const big = ana.find((o) => o.id === '4400000001')!;
      assert.equal(big.grossMinor, 123450);
      assert.equal(big.processedAt, Date.UTC(2022, 2, 1, 15));
      assert.deepEqual(
        big.lineItems.map((l) => `${l.sku}×${l.quantity}`),
        ['ESP-1×1', 'DESC-1×2'],
      );
      assert.equal(ana.find((o) => o.id === '4400000004')!.cancelledAt, Date.UTC(2022, 4, 2, 16));
      const ben = ordersOf(r, customerIdFromEmail('ben@example.com'));
      const refunded = ben.find((o) => o.id === '4400000002')!;
      assert.equal(refunded.grossMinor, 4500);
      assert.equal(refunded.netMinor, 3000);
      assert.equal(ben.find((o) => o.id === '4400000005')!.grossMinor, 250000);
      assert.deepEqual(
        ordersOf(r, customerIdFromPhone('+14155550132')).map((o) => o.id),
        ['4400000003'],
      );
    });
  }

  it('keeps what only some variants carry: discount codes with a currency sign, sources', () => {
    const first = ordersOf(read.older!, customerIdFromEmail('ana@example.com'))[0]!;
    assert.deepEqual(first.discountCodes, ['$12OFF']);
    assert.equal(first.sourceName, 'web');
    assert.deepEqual(ordersOf(read.semicolon!, customerIdFromEmail('ana@example.com'))[0]!.discountCodes, []);
  });

  it('detects the separator from the header line, ignoring separators inside quotes', () => {
    assert.equal(detectDelimiter('Name,Email,Financial Status'), ',');
    assert.equal(detectDelimiter('Name;Email;"Financial, Status"'), ';');
    assert.equal(detectDelimiter('Name\tEmail\tTotal'), '\t');
    assert.equal(detectDelimiter('"Name;x;y",Email,Total'), ',');
  });

  it('still refuses a CSV that is not an orders export, whatever its separator', async () => {
    for (const [file, text] of [
      ['products.csv', 'Handle,Title,Variant SKU\nshirt,Shirt,S-1\n'],
      ['products-semicolon.csv', '\uFEFFHandle;Title;Variant SKU\r\nshirt;Shirt;S-1\r\n'],
      ['customers.csv', 'First Name;Last Name;Email;Phone;Total Spent\nA;B;a@example.com;+1;0\n'],
    ] as const) {
      const path = join(dir, file);
      writeFileSync(path, text);
      await assert.rejects(importShopifyOrdersCsv(path), (e: unknown) => e instanceof ImportError && e.kind === 'unknown-format' && /not a Shopify orders export \(missing columns? /.test(e.message), file);
    }
  });
});
