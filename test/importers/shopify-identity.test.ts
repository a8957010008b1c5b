import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdentityLinker, normalizePhone } from '../../src/importers/customer-identity.ts';
import { customerIdFromEmail, customerIdFromPhone, importShopifyOrdersCsv } from '../../src/importers/shopify-orders-csv.ts';
import type { ImportResult } from '../../src/importers/import-result.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const PHONE_ONLY = fixture('shopify-orders-phone-only-bd.csv');
const MIXED = fixture('shopify-orders-mixed-identity.csv');
let dir: string;
let bd: ImportResult;
let mixed: ImportResult;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopify-identity-test-'));
  bd = await importShopifyOrdersCsv(PHONE_ONLY);
  mixed = await importShopifyOrdersCsv(MIXED);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const orderIds = (r: ImportResult, customerId: string): string[] =>
  r.customers
    .find((c) => c.customerId === customerId)!
    .orders.map((o) => o.id)
    .sort();

describe('phone numbers as identity', () => {
  it('normalises the ways one number is written to E.164, reading national numbers in the order’s country', () => {
    for (const written of ['01711000111', '01711-000111', '+880 1711-000111', "'+8801711000111", '8801711000111']) assert.equal(normalizePhone(written, 'BD'), '+8801711000111', written);
    assert.equal(normalizePhone('07911 000123', 'GB'), '+447911000123');
    assert.equal(normalizePhone('(201) 555-0101', 'us'), '+12015550101');
    // An international number does not need the country; a national one is nobody's without it.
    assert.equal(normalizePhone('+44 7911 000123', ''), '+447911000123');
    assert.equal(normalizePhone('07911 000123', 'Narnia'), null);
    for (const junk of ['n/a', '000', '12', '0000000000', '-']) assert.equal(normalizePhone(junk, 'US'), null, junk);
  });

  it('a phone-only cash-on-delivery export (taka, all pending, no e-mail) yields its customers', () => {
    assert.equal(bd.orders, 9);
    assert.equal(bd.ordersWithoutCustomer, 1); // #2009 has no phone at all
    assert.equal(bd.customers.length, 4);
    assert.deepEqual(bd.identifiedBy, { email: 0, phone: 4, emailAndPhone: 0 });
    // Phone, Billing Phone, Shipping Phone, with and without +880, spaces, dashes, a spreadsheet's apostrophe
    assert.deepEqual(orderIds(bd, customerIdFromPhone('+8801711000111')), ['700002001', '700002004', '700002007', '700002010']);
    assert.deepEqual(orderIds(bd, customerIdFromPhone('+8801811000222')), ['700002002', '700002006']);
    assert.deepEqual(orderIds(bd, customerIdFromPhone('+8801511000444')), ['700002005', '700002008']);
    const first = bd.customers[0]!.orders[0]!;
    assert.equal(first.currency, 'BDT');
    assert.equal(first.financialStatus, 'pending');
    assert.equal(first.grossMinor, 125000);
  });

  it('links e-mail and phone across orders: one person is one customer, named by an e-mail id', () => {
    assert.equal(mixed.orders, 10);
    assert.equal(mixed.ordersWithoutCustomer, 2); // no contact at all; only "n/a" and "000"
    assert.deepEqual(mixed.identifiedBy, { email: 4, phone: 1, emailAndPhone: 3 });
    assert.equal(mixed.customers.length, 5);
    // ana: e-mail + phone, then the phone alone written differently
    assert.deepEqual(orderIds(mixed, customerIdFromEmail('ana@example.com')), ['800003001', '800003002']);
    // ben: e-mail alone, then e-mail + a GB phone, then that phone alone
    assert.deepEqual(orderIds(mixed, customerIdFromEmail('ben@example.com')), ['800003003', '800003004', '800003005']);
    // cara: two e-mail addresses joined through one phone; the smaller id names her
    const cara = [customerIdFromEmail('cara@example.com'), customerIdFromEmail('cara.work@example.com')].sort()[0]!;
    assert.deepEqual(orderIds(mixed, cara), ['800003006', '800003007']);
    assert.deepEqual(orderIds(mixed, customerIdFromPhone('+12025550177')), ['800003008', '800003009']);
    assert.deepEqual(orderIds(mixed, customerIdFromEmail('eve@example.com')), ['800003010']);
  });

  it('names customers the same whatever the order of the file', async () => {
    const [header, ...lines] = readFileSync(MIXED, 'utf8').trimEnd().split('\n');
    const reversed = join(dir, 'reversed.csv');
    writeFileSync(reversed, [header, ...lines.reverse()].join('\n') + '\n');
    const r = await importShopifyOrdersCsv(reversed);
    const groups = (x: ImportResult) => x.customers.map((c) => `${c.customerId}:${c.orders.map((o) => o.id).sort().join(',')}`).sort();
    assert.deepEqual(groups(r), groups(mixed));
  });

  it('does not merge strangers through a shared number (the shop’s own, a placeholder)', async () => {
    const header = 'Name,Email,Financial Status,Created at,Total,Phone,Billing Country';
    const row = (n: number, email: string, phone: string) => `#${n},${email},paid,2026-01-0${(n % 9) + 1} 10:00:00 +0000,10.00,${phone},US`;
    const file = join(dir, 'shared-phone.csv');
    const shop = '(202) 555-0100';
    const lines = [header, ...[1, 2, 3, 4].map((i) => row(i, `buyer${i}@example.com`, shop)), row(5, 'buyer1@example.com', '(202) 555-0111'), row(6, '', '202-555-0111'), row(7, '', shop)];
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await importShopifyOrdersCsv(file);
    // four buyers behind the shop's number stay four; buyer1's own number still links to buyer1
    assert.equal(r.customers.length, 5);
    assert.deepEqual(orderIds(r, customerIdFromEmail('buyer1@example.com')), ['#1', '#5', '#6']);
    assert.deepEqual(orderIds(r, customerIdFromPhone('+12025550100')), ['#7']);
    assert.deepEqual(r.identifiedBy, { email: 4, phone: 1, emailAndPhone: 1 });
    // a household (three e-mails, one number) is linked
    writeFileSync(file, [header, ...[1, 2, 3].map((i) => row(i, `member${i}@example.com`, shop))].join('\n') + '\n');
    assert.equal((await importShopifyOrdersCsv(file)).customers.length, 1);
  });

  it('never keeps an e-mail address or a phone number in clear', () => {
    for (const r of [bd, mixed]) {
      const text = JSON.stringify(r);
      assert.ok(!text.includes('@'));
      for (const digits of ['1711000111', '1811000222', '7911000123', '2015550101', '2025550177']) assert.ok(!text.includes(digits), digits);
    }
  });

  it('union-find: links are transitive and the root is the smallest id', () => {
    const l = new IdentityLinker();
    l.add({ email: 'email-b', phone: 'phone-1' });
    l.add({ email: null, phone: 'phone-2' });
    l.add({ email: 'email-c', phone: 'phone-2' });
    l.add({ email: 'email-a', phone: 'phone-2' });
    l.add({ email: 'email-c', phone: 'phone-1' });
    assert.equal(l.customerId({ email: null, phone: 'phone-1' }), 'email-a');
    assert.equal(l.customerId({ email: 'email-b', phone: null }), 'email-a');
    assert.equal(l.customerId({ email: null, phone: null }), null);
    assert.deepEqual(l.counts(), { email: 1, phone: 0, emailAndPhone: 1 });
  });
});
