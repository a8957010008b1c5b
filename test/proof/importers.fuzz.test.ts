// Property-based fuzzing of the streaming importers (src/importers): generated files with a known mix
// of good and bad rows. Properties: no crash (only ImportError escapes, for a whole-file problem), no
// hang (each file is small; the suite has a timeout), every bad row reported with its exact line
// number and a reason, every good row imported, no e-mail address in the output.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { importShopifyOrdersCsv } from '../../src/importers/shopify-orders-csv.ts';
import { importCdnow } from '../../src/importers/cdnow.ts';
import { ImportError } from '../../src/importers/import-result.ts';

const SEED = 20261124;
let dir: string;
let fileNo = 0;
function writeTemp(content: string | Buffer, ext: string): string {
  const p = join(dir, `f${++fileNo}.${ext}`);
  writeFileSync(p, content);
  return p;
}

const HEADER = ['Name', 'Email', 'Financial Status', 'Currency', 'Total', 'Refunded Amount', 'Created at', 'Lineitem quantity', 'Lineitem name', 'Lineitem sku', 'Notes', 'Cancelled at'];

interface CsvRow {
  email: string;
  status: string;
  total: string;
  created: string;
  qty: string;
  notes: string;
  /** Why this row must be rejected, or null. */
  bad: string | null;
}

const goodTime = fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace('T', ' ').slice(0, 19) + ' +0100');
const goodTotal = fc.tuple(fc.nat(99999), fc.nat(99)).map(([w, f]) => `${w}.${String(f).padStart(2, '0')}`);
/** Free text as merchants type it: commas, quotes, new lines, unicode. Quoted on output. */
const notes = fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }), fc.constantFrom('a, b', 'say "hi"', 'two\nlines', 'три\nстроки', '😀,"x"\n'));

const csvRow: fc.Arbitrary<CsvRow> = fc.record({
  email: fc.oneof(fc.emailAddress(), fc.constant('')),
  status: fc.constantFrom('paid', 'pending', 'refunded', 'partially_refunded', 'something_new'),
  total: fc.oneof({ weight: 5, arbitrary: goodTotal }, { weight: 1, arbitrary: fc.constantFrom('abc', '', '1.2.3', '--5', '12€') }),
  created: fc.oneof({ weight: 5, arbitrary: goodTime }, { weight: 1, arbitrary: fc.constantFrom('yesterday', '', '2026-13-45 99:99:99', '31/12/2026') }),
  qty: fc.oneof({ weight: 5, arbitrary: fc.nat(20).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', '1.5', 'two') }),
  notes,
}).map((r) => {
  let bad: string | null = null;
  if (Number.isNaN(Date.parse(r.created.replace(' +0100', '+01:00').replace(' ', 'T'))) || !/^\d{4}-/.test(r.created)) bad = 'Created at';
  else if (!/^\d+\.\d{2}$/.test(r.total)) bad = 'Total';
  else if (!/^\d+$/.test(r.qty)) bad = 'Lineitem quantity';
  return { ...r, bad };
});

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function renderCsv(rows: CsvRow[], eol: string, bom: boolean): { text: string; firstLine: number[] } {
  const out = [HEADER.join(',')];
  const firstLine: number[] = [];
  let line = 2;
  rows.forEach((r, i) => {
    firstLine.push(line);
    const rec = [`#${1000 + i}`, r.email, r.status, 'EUR', r.total, '', r.created, r.qty, 'Item', `SKU-${i}`, r.notes.replace(/\n/g, eol), ''].map(quote).join(',');
    out.push(rec);
    line += 1 + (rec.match(/\r\n|\n|\r/g)?.length ?? 0);
  });
  return { text: (bom ? '\uFEFF' : '') + out.join(eol) + eol, firstLine };
}

before(() => { dir = mkdtempSync(join(tmpdir(), 'proof-importers-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Shopify orders CSV importer under fuzzing', () => {
  it('imports every good row, reports every bad one with a reason and a line number, and keeps no e-mail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(csvRow, { minLength: 1, maxLength: 25 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), async (rows, eol, bom) => {
        const { text, firstLine } = renderCsv(rows, eol, bom);
        const totalLines = text.split(/\r\n|\n/).length;
        const r = await importShopifyOrdersCsv(writeTemp(text, 'csv'));
        assert.equal(r.rows, rows.length);
        const expectedBad = rows.map((row, i) => ({ row, i })).filter((x) => x.row.bad !== null);
        assert.equal(r.badRows.length, expectedBad.length, JSON.stringify(r.badRows));
        for (const [k, b] of r.badRows.entries()) {
          const { row, i } = expectedBad[k]!;
          assert.ok(b.reason.includes(row.bad!), `reason "${b.reason}" names ${row.bad}`);
          assert.ok(b.line >= 2 && b.line <= totalLines, `line ${b.line} within the file`);
          // A record spanning several lines (quoted new lines in Notes) is reported at one of its lines.
          // Known limit: csv-parse counts a CR LF inside a quoted field of an LF file as two lines, so the
          // generator keeps one line-ending style per file (as exports do).
          const span = 1 + (row.notes.match(/\n/g)?.length ?? 0);
          assert.ok(b.line >= firstLine[i]! && b.line < firstLine[i]! + span, `bad row ${i} reported at line ${b.line}, record spans ${firstLine[i]}..${firstLine[i]! + span - 1}`);
        }
        // A bad line item quantity rejects that line item only; the order (first row of its Name) is kept.
        const good = rows.filter((row) => row.bad === null || row.bad === 'Lineitem quantity');
        assert.equal(r.orders + r.ordersWithoutCustomer, good.length);
        assert.equal(r.ordersWithoutCustomer, good.filter((row) => row.email === '').length);
        const json = JSON.stringify(r.customers);
        for (const row of rows) if (row.email) assert.ok(!json.includes(row.email), 'e-mail never kept');
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('never throws anything but ImportError on byte soup, truncated files or a wrong format', async () => {
    const soup = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 400 }).map((s) => Buffer.from(`${HEADER.join(',')}\n${s}`)),
      fc.array(csvRow, { minLength: 1, maxLength: 5 }).chain((rows) => fc.nat(200).map((cut) => Buffer.from(renderCsv(rows, '\n', false).text.slice(0, cut)))),
      fc.constant(Buffer.from('"unterminated,quote\n#1001,a@b.c')),
    );
    await fc.assert(
      fc.asyncProperty(soup, async (bytes) => {
        try {
          const r = await importShopifyOrdersCsv(writeTemp(bytes, 'csv'));
          for (const b of r.badRows) assert.ok(b.line >= 1 && b.reason.length > 0);
        } catch (err) {
          assert.ok(err instanceof ImportError, `unexpected ${String(err)}`);
          assert.ok(['unreadable', 'unknown-format'].includes(err.kind));
          assert.ok(err.message.length > 10);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('reports a missing or unreadable file as ImportError, not a crash', async () => {
    await assert.rejects(importShopifyOrdersCsv(join(dir, 'nope.csv')), (e: unknown) => e instanceof ImportError && e.kind === 'unreadable');
    await assert.rejects(importShopifyOrdersCsv(dir), (e: unknown) => e instanceof ImportError && e.kind === 'unreadable');
  });
});

describe('CDNOW importer under fuzzing', () => {
  const goodLine = fc.tuple(fc.integer({ min: 1, max: 23570 }), fc.date({ min: new Date('1997-01-01T00:00:00Z'), max: new Date('1998-06-30T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 1, max: 40 }), goodTotal)
    .map(([c, d, n, v]) => ({ text: `${String(c).padStart(5, '0')} ${d.toISOString().slice(0, 10).replace(/-/g, '')} ${n} ${v}`, bad: false }));
  const badLine = fc.constantFrom('00001 19970230 1 12.00', '00001 19970101 x 12.00', '00001 19970101 1 -3', 'abc 19970101 1 1.00', '00001 19970101 1 1.00 extra more', '00001 1997-01-01 1 1.00')
    .map((text) => ({ text, bad: true }));

  it('reports exactly the bad lines, by number, and imports every good one', async () => {
    await fc.assert(
      fc.asyncProperty(goodLine, fc.array(fc.oneof({ weight: 4, arbitrary: goodLine }, { weight: 1, arbitrary: badLine }), { maxLength: 40 }), fc.boolean(), async (first, rest, blankLines) => {
        const lines = [first, ...rest];
        const text = lines.map((l) => (blankLines ? `${l.text}\n` : l.text)).join('\n') + '\n';
        const r = await importCdnow(writeTemp(text, 'txt'));
        const expected = lines.map((l, i) => ({ l, line: blankLines ? 2 * i + 1 : i + 1 })).filter((x) => x.l.bad).map((x) => x.line);
        assert.deepEqual(r.badRows.map((b) => b.line), expected);
        for (const b of r.badRows) assert.ok(b.reason.length > 5);
        assert.equal(r.orders, lines.filter((l) => !l.bad).length);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('never throws anything but ImportError on byte soup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.string({ maxLength: 300 }).map((s) => Buffer.from(s))), async (bytes) => {
        let r;
        try {
          r = await importCdnow(writeTemp(bytes, 'txt'));
        } catch (err) {
          assert.ok(err instanceof ImportError, `unexpected ${String(err)}`);
          assert.ok(['unreadable', 'unknown-format'].includes(err.kind));
          assert.ok(err.message.length > 10);
          return;
        }
        // Imported: every data row is an order or a reported bad row, and nothing is invented.
        const lineCount = bytes.toString('utf8').split(/\r?\n/).length;
        assert.ok(r.rows >= 1);
        assert.equal(r.orders + r.badRows.length, r.rows, 'each data row is an order or a bad row');
        assert.equal(r.customers.reduce((n, c) => n + c.orders.length, 0), r.orders);
        for (const b of r.badRows) assert.ok(b.line >= 1 && b.line <= lineCount && b.reason.length > 5, JSON.stringify(b));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
