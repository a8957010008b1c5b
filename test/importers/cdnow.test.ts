import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCdnow, parseCdnowFields, streamCdnowOrders } from '../../src/importers/cdnow.ts';
import { ImportError } from '../../src/importers/import-result.ts';
import { parseMinorUnits } from '../../src/money.ts';
import { CDNOW_MASTER, CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdnow-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('CDNOW importer', () => {
  it('maps one row to one order at 00:00 UTC with cents from the string', () => {
    const row = parseCdnowFields(['00002', '19970112', '5', '77.00'], 3);
    assert.ok(row.ok);
    if (!row.ok) return;
    assert.equal(row.order.id, '00002-3');
    assert.equal(row.order.customerId, '00002');
    assert.equal(row.order.processedAt, Date.UTC(1997, 0, 12));
    assert.equal(row.order.netMinor, 7700);
    assert.equal(row.order.currency, 'USD');
    assert.deepEqual(row.order.lineItems, [{ productId: 'cdnow-cd', variantId: null, sku: null, quantity: 5 }]);
  });

  it('converts money without floating point', () => {
    assert.equal(parseMinorUnits('11.77'), 1177);
    assert.equal(parseMinorUnits('0.29'), 29);
    assert.equal(parseMinorUnits('12.5'), 1250);
    assert.equal(parseMinorUnits('12'), 1200);
    assert.equal(parseMinorUnits('1.005'), 101);
    assert.equal(parseMinorUnits('1,234.10'), 123410);
    assert.equal(parseMinorUnits('-3.10'), -310);
    assert.equal(parseMinorUnits('abc'), null);
    assert.equal(parseMinorUnits(''), null);
  });

  it('reads the master file: 69,659 purchases by 23,570 customers', async () => {
    const r = await importCdnow(CDNOW_MASTER);
    assert.equal(r.rows, 69_659);
    assert.equal(r.orders, 69_659);
    assert.equal(r.customers.length, 23_570);
    assert.equal(r.badRows.length, 0);
    assert.equal(r.firstOrderAt, Date.UTC(1997, 0, 1));
    assert.equal(r.lastOrderAt, Date.UTC(1998, 5, 30));
  });

  it('reads the 5-column sample file', async () => {
    const r = await importCdnow(CDNOW_SAMPLE);
    assert.equal(r.orders, 6_919);
    assert.equal(r.customers.length, 2_357);
  });

  it('streams the orders one by one in file order', async () => {
    const ids: string[] = [];
    const stats = { rows: 0 };
    for await (const o of streamCdnowOrders(CDNOW_SAMPLE, { stats })) ids.push(o.id);
    assert.equal(ids.length, 6_919);
    assert.equal(stats.rows, 6_919);
    assert.deepEqual(ids.slice(0, 2), ['00004-1', '00004-2']);
  });

  it('skips bad rows and reports them with their line numbers', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, ' customer_id date cds value\n 00001 19970101 1 11.77\n 00002 19971340 1 5.00\n 00003 19970102 x 5.00\n\n 00004 19970103 2 abc\n 00005 19970104 1 9.99 extra extra\n 00006 19970105 2 20.00\n');
    const r = await importCdnow(file);
    assert.equal(r.orders, 2);
    assert.deepEqual(
      r.badRows.map((b) => b.line),
      [3, 4, 6, 7],
    );
    assert.match(r.badRows[0]!.reason, /bad date "19971340"/);
  });

  it('fails clearly on an unreadable file or a file that is not a CDNOW log', async () => {
    await assert.rejects(importCdnow(join(dir, 'missing.txt')), (e: unknown) => e instanceof ImportError && e.kind === 'unreadable' && /cannot read/.test(e.message));
    await assert.rejects(importCdnow(dir), (e: unknown) => e instanceof ImportError && e.kind === 'unreadable');
    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'Name,Email,Total\n#1001,a@example.com,10.00\n');
    await assert.rejects(importCdnow(csv), (e: unknown) => e instanceof ImportError && e.kind === 'unknown-format');
  });
});
