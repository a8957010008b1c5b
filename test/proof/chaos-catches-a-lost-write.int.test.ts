// The chaos suite's self-test: with a deliberate bug planted in the workers — tag writes of three
// seeded customers acknowledged without being sent (scripts/chaos/inject-lost-tag-write.ts) — a small
// chaos run (same faults as the reduced one) must fail, and its explanation must name those customers,
// the faults and the seed, with the command that replays it. Proves the verifier keeps catching a lost
// tag write; test/proof/chaos.int.test.ts proves the real code passes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDUCED, runChaos } from '../../scripts/chaos/run.ts';

const SEED = 12;

describe('proof: the chaos suite catches a lost tag write', () => {
  it('fails with the customers, the faults, the seed and the replay command', { timeout: 540_000 }, async (t) => {
    const report = await runChaos({ ...REDUCED, customers: 40, orderWebhooks: 160, seed: SEED, injectBug: 'lost-tag-write', log: (l) => t.diagnostic(l) });
    const text = report.explanation.join('\n');
    t.diagnostic(text);
    const planted = /injected bug lost-tag-write: the workers acknowledge tag writes of customers ([\d, ]+) without/.exec(text);
    assert.ok(planted, `the explanation names the planted bug:\n${text}`);
    const victims = planted[1]!.split(', ');
    assert.ok(report.details.drained, 'drained: the failure is the lost writes, not a hang');
    assert.ok(report.details.tagMismatches > 0, `tag mismatches found: ${report.verdict.join('; ')}`);
    assert.ok(report.verdict.some((v) => /app tags differ from a recompute/.test(v)), report.verdict.join('; '));
    // Only the victims are wrong, and each one wrong is named with its tags and its own timeline.
    const named = [...text.matchAll(/^customer (\d+):$/gm)].map((m) => m[1]!);
    assert.ok(named.length > 0 && named.every((id) => victims.includes(id)), `named ${named.join(', ')}; victims ${victims.join(', ')}`);
    assert.match(text, new RegExp(`^CHAOS FAILED \\(seed ${SEED}\\): `, 'm'));
    assert.match(text, new RegExp(`^replay: npm run test:chaos -- --customers 40 --webhooks 160 --seed ${SEED} --inject-bug lost-tag-write$`, 'm'));
    assert.match(text, /app tags on Shopify: /);
    assert.match(text, /redis SIGKILLed/);
    assert.match(text, /worker \d+ SIGKILLed/);
    assert.match(text, /\*\* injected bug lost-tag-write/, 'the bug is on the customer\'s own timeline');
  });
});
