import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CDNOW_SAMPLE as SAMPLE } from '../../tools/cdnow-data.ts';
import { importCdnow } from '../../src/importers/cdnow.ts';
import { asOfAfterLastOrder, asOfFromDate } from '../../src/segments/index.ts';
import { SEGMENT_DEFINITIONS } from '../../src/segments/tags.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

function runJson(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      try { done(JSON.parse(out) as Record<string, unknown>); } catch (e) { fail(e as Error); }
    });
  });
}

describe('npm run demo -- --once --json', () => {
  // The whole demo (install, backfill, Inside-Shopify and signal steps, tag sync) in a child process:
  // ~1.5 min on a quiet 2-core machine, ~5 min under heavy load; the suite's 300 s default is a hang guard.
  it('gives the same segment counts as `segments analyze` on the same file and as-of, and tags match profiles', { timeout: 600_000 }, async () => {
    // The log's last orders are on 1998-06-30: an as-of that cuts into that day would drop orders in one
    // tool and not the other if `--as-of` meant different instants (it once did: start vs end of day).
    const demo = await runJson(['scripts/demo.ts', '--orders', SAMPLE, '--format', 'cdnow', '--as-of', '1998-06-30', '--once', '--json']);
    const analyze = await runJson(['src/cli/segments.ts', 'analyze', SAMPLE, '--format', 'cdnow', '--as-of', '1998-06-30', '--json']);
    const drop = (s: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(s)
      .map(([f, seg]): [string, Record<string, number>] => [f, Object.fromEntries(Object.entries(seg).filter(([, n]) => n > 0).sort())])
      .filter(([, seg]) => Object.keys(seg).length > 0));
    // Before the demo's engagement signals, the pipeline and the offline analysis agree exactly.
    assert.deepEqual(drop(demo.segmentsBeforeSignals as Record<string, Record<string, number>>), drop(analyze.segments as Record<string, Record<string, number>>));
    // The signals (scripts/demo-signals.ts) add 12 prospects and 6 launch buyers with 2 orders each,
    // and give every new segment members.
    assert.equal(demo.orders, 6919 + 12, 'every order of the sample reached the store, and the launch buyers\' orders');
    assert.deepEqual(demo.tags, { customersTagged: 2357 + 18, mismatchedWithProfiles: 0 });
    const segs = demo.segments as Record<string, Record<string, number>>;
    for (const [family, seg] of [['intent', 'abandoned-cart'], ['intent', 'curious-prospect'], ['intent', 'undecided-prospect'], ['behaviour', 'trend-follower'], ['behaviour', 'bulk-buyer'], ['behaviour', 'one-item-buyer'], ['rfm', 'lost-but-engaged']] as const) {
      assert.ok((segs[family]?.[seg] ?? 0) > 0, `${family}/${seg} has members`);
    }
    const signals = demo.signals as { visits: number; clicks: number; checkouts: number; sent: { pixelVisitorsWithoutConsent: number } };
    assert.ok(signals.visits > 0 && signals.clicks > 0 && signals.checkouts > 0);
    assert.ok(signals.sent.pixelVisitorsWithoutConsent > 0, 'some visitors did not consent (their pixel sent nothing)');
    const inside = demo.shopify as { segments: number; flowTriggers: { calls: number; refused: number }; metafieldsWritten: number };
    assert.equal(inside.segments, SEGMENT_DEFINITIONS.length, 'one native segment per segment of the enabled families');
    assert.equal(inside.metafieldsWritten, 2357 + 18, 'every profiled customer carries the $app:segments metafield');
    assert.equal(inside.flowTriggers.refused, 0);
  });

  it('without --as-of both tools use the same instant: the end of the last order\'s day', async () => {
    const { lastOrderAt } = await importCdnow(SAMPLE);
    assert.equal(asOfAfterLastOrder(lastOrderAt!), asOfFromDate('1998-06-30'));
    assert.equal(asOfFromDate('1998-06-30'), Date.parse('1998-06-30T23:59:59.999Z'));
    assert.equal(asOfFromDate('1998-02-30'), null);
  });
});
