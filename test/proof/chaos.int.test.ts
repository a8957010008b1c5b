// The chaos suite in reduced size (scripts/chaos.ts; full size: `npm run test:chaos -- --full`):
// private Redis and FerretDB restarted mid-run, workers SIGKILLed mid-job, 10% Admin API 5xx and
// throttling, duplicated/reordered/late webhooks — then nothing lost, every customer's orders and
// tags equal a from-scratch recompute, merchant tags untouched, no tag write lost (not even one the
// drift check repaired later). ~2 minutes; bounded at 8 (REDUCED.timeLimitMs) for a loaded machine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDUCED, runChaos } from '../../scripts/chaos/run.ts';

describe('proof: chaos (reduced size)', () => {
  it('loses nothing and converges to a from-scratch recompute through restarts, kills and API faults', { timeout: 540_000 }, async (t) => {
    const report = await runChaos({ ...REDUCED, log: (l) => t.diagnostic(l) });
    t.diagnostic(JSON.stringify({ webhooks: report.webhooks, duplicates: report.duplicates, restarts: report.restarts, customersChecked: report.customersChecked, mismatches: report.mismatches, lost: report.lost }));
    t.diagnostic(JSON.stringify(report.details));
    assert.ok(report.details.drained, 'everything drained within the time limit');
    assert.ok(report.webhooks >= REDUCED.orderWebhooks * 0.9, `caused ${report.webhooks} order webhooks`);
    assert.ok(report.duplicates > 0, 'duplicates were delivered');
    assert.ok(report.details.redisRestarts >= 1 && report.details.mongoRestarts >= 1 && report.details.workerKills >= 2, 'every fault was injected');
    assert.ok(report.details.injected5xx > 0, 'the Admin API answered 5xx');
    assert.equal(report.customersChecked, REDUCED.customers);
    // A failure names the customers, the faults around them, the seed and the replay command.
    const why = [...report.explanation, ...report.details.examples].join('\n');
    assert.equal(report.lost, 0, why);
    assert.equal(report.mismatches, 0, why);
    assert.equal(report.details.heldByDriftCheck, 0, `tag writes lost and repaired only by the drift check:\n${why}`);
    assert.deepEqual(report.verdict, [], why);
    assert.equal(report.details.unhandledRejections, 0);
    assert.equal(report.details.workerCrashes, 0);
    // A generous sanity bound (a leak), not a target: memory figures are taken by the full run (docs/reliability.md).
    assert.ok(report.details.peakRssMb.web < 2048 && report.details.peakRssMb.workers < 2048, `memory bounded: ${JSON.stringify(report.details.peakRssMb)}`);
  });
});
