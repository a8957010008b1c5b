import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/shopify-orders-sample.csv');
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'segments-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'src/cli/segments.ts'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('segments analyze', () => {
  it('prints the JSON summary of a CDNOW log as of a date', () => {
    const r = cli('analyze', CDNOW_SAMPLE, '--format', 'cdnow', '--as-of', '1997-09-30', '--json', '--settings', writeSettings({ orderExclusions: { zeroValue: false } }));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.asOf, '1997-09-30');
    assert.equal(out.customers, 2357);
    assert.equal(out.orders, 4960); // rows dated up to 1997-09-30
    assert.equal(Object.values(out.segments.loyalty as Record<string, number>).reduce((a, b) => a + b, 0), 2357);
    assert.equal(out.models.bgnbd.timeUnit, 'weeks');
    assert.ok(Math.abs(out.models.bgnbd.r - 0.243) < 0.003);
    assert.ok(Math.abs(out.models.bgnbd.logLikelihood + 9582.4) < 1);
    assert.ok(Math.abs(out.models.gammaGamma.p - 6.25) < 0.05);
    assert.ok(out.thresholds.loyalty.frequentMinOrders >= 3);
  });

  it('reads a Shopify export, reports the bad row on stderr and prints readable tables', () => {
    const r = cli('analyze', FIXTURE, '--format', 'shopify', '--as-of', '2026-05-31');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /shopify-orders-sample\.csv:16: skipped: bad Total "not-a-number"/);
    assert.match(r.stdout, /as of 2026-05-31/);
    assert.match(r.stdout, /LOYALTY\n\s+One Time Buyer\s+\d+/);
    assert.match(r.stdout, /cadence fallback: too little data for a statistical model/);
    assert.ok(!r.stdout.includes('@'));
  });

  it('writes one profile per customer as JSON lines', () => {
    const out = join(dir, 'profiles.jsonl');
    const r = cli('analyze', FIXTURE, '--format', 'shopify', '--as-of', '2026-05-31', '--json', '--profiles', out);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 5);
    for (const p of lines) assert.ok(Array.isArray(p.tags) && p.memberships.length === p.tags.length && typeof p.customerId === 'string');
  });

  it('ignores orders after --as-of', () => {
    const early = JSON.parse(cli('analyze', FIXTURE, '--format', 'shopify', '--as-of', '2026-01-31', '--json').stdout);
    assert.equal(early.orders, 2);
    assert.equal(early.customers, 2);
    assert.equal(early.ordersAfterAsOf, 9);
    assert.equal(early.ignoredOrders, 0);
  });

  it('exits 2 with a clear message for an unreadable file, an unknown format or a wrong file type', () => {
    const missing = cli('analyze', join(dir, 'missing.csv'), '--format', 'shopify');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*missing\.csv/);
    const unknown = cli('analyze', FIXTURE, '--format', 'woocommerce');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown format "woocommerce"/);
    const wrong = cli('analyze', FIXTURE, '--format', 'cdnow');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /not a CDNOW log/);
    const badDate = cli('analyze', FIXTURE, '--format', 'shopify', '--as-of', '2026-02-30');
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /--as-of must be a date/);
  });

  it('recognises phone-only customers and says how customers were identified (text and --json)', () => {
    const phoneOnly = join(ROOT, 'test/fixtures/shopify-orders-phone-only-bd.csv');
    const json = JSON.parse(cli('analyze', phoneOnly, '--format', 'shopify', '--json').stdout);
    assert.equal(json.customers, 4);
    assert.equal(json.ordersWithoutCustomer, 1);
    assert.deepEqual(json.identifiedBy, { email: 0, phone: 4, emailAndPhone: 0 });
    assert.equal(Object.values(json.segments.loyalty as Record<string, number>).reduce((a, b) => a + b, 0), 4);
    const mixed = cli('analyze', join(ROOT, 'test/fixtures/shopify-orders-mixed-identity.csv'), '--format', 'shopify');
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.match(mixed.stdout, /Customers recognised by e-mail: 4 \(3 of them also by a phone number on some order\); by phone number only: 1; orders with neither: 2\./);
    assert.ok(!/@|2025550177|7911000456/.test(mixed.stdout));
    // The CDNOW log has customer ids of its own: no identity line, identifiedBy null
    const cdnow = cli('analyze', CDNOW_SAMPLE, '--format', 'cdnow', '--as-of', '1997-09-30');
    assert.doesNotMatch(cdnow.stdout, /recognised by/);
  });

  it('prints labels with aligned counts and shares, and the thresholds as sentences', () => {
    const r = cli('analyze', CDNOW_SAMPLE, '--format', 'cdnow', '--as-of', '1997-09-30');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}\S.*\d% {2}seg:/.test(l));
    assert.equal(rows.length, 31); // the six families' segments, behaviour with trend-follower, bulk-buyer and one-item-buyer (intent needs signals a file lacks)
    // every count ends, and every share's % sits, in the same column
    assert.equal(new Set(rows.map((l) => l.indexOf('%'))).size, 1);
    assert.equal(new Set(rows.map((l) => /\d(?=\s+\d+\.\d%)/.exec(l)!.index)).size, 1);
    assert.match(r.stdout, /^SEGMENT\s+CUSTOMERS\s+SHARE\s+TAG$/m);
    assert.match(r.stdout, /^ {2}Champions\s+\d+\s+\d+\.\d% {2}seg:rfm-champions$/m);
    assert.match(r.stdout, /A VIP has placed \d+ or more orders and spent \$[\d,.]+ or more in total\./);
    assert.match(r.stdout, /RFM recency scores by days since the last order: 5 up to \d+ days, 4 up to \d+ days, .*, 1 beyond that\./);
    assert.match(r.stdout, /Churn risk is the modelled chance of no order in the next 180 days: high from 80%, medium from 50%\./);
    assert.match(r.stdout, /reordered at a regular interval:\n\s+cdnow-cd\s+every \d+ days \(learned from [\d,]+ customers\)/);
    assert.doesNotMatch(r.stdout, /[{}]/); // no JSON on the terminal
  });

  it('writes a self-contained HTML report, and says so clearly when it cannot', () => {
    const file = join(dir, 'report.html');
    const r = cli('analyze', join(ROOT, 'test/fixtures/shopify-orders-phone-only-bd.csv'), '--format', 'shopify', '--report', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /report written to .*report\.html/);
    const html = readFileSync(file, 'utf8');
    for (const id of ['summary', 'family-loyalty', 'rfm', 'rfm-heatmap', 'family-churn', 'family-value', 'replenishment', 'thresholds', 'models']) assert.ok(html.includes(`data-testid="${id}"`), id);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
    assert.ok(!/<script|<link|src=|url\(|@|1711000111/.test(html));
    const bad = cli('analyze', join(ROOT, 'test/fixtures/shopify-orders-phone-only-bd.csv'), '--format', 'shopify', '--report', join(dir, 'no-such-dir', 'r.html'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot write the report .*no-such-dir/);
  });

  it('lists its commands and rejects unknown ones', () => {
    assert.equal(cli().code, 2);
    const help = cli('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /analyze\s+segment an orders export/);
    assert.equal(cli('frobnicate').code, 2);
  });
});

function writeSettings(settings: unknown): string {
  const file = join(dir, `settings-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(settings));
  return file;
}
