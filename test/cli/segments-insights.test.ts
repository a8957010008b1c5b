import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/shopify-orders-sample.csv');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'src/cli/segments.ts'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('segments insights', () => {
  it('on the CDNOW log (no products): the shop repeat rate, empty product lists and a note', () => {
    const r = cli('insights', CDNOW_SAMPLE, '--format', 'cdnow', '--as-of', '1997-09-30', '--window-days', '90', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.asOf, '1997-09-30');
    assert.equal(out.windowDays, 90);
    // Every CDNOW customer's first order is in the first quarter of 1997: all are observed for 90 days.
    assert.equal(out.shop.customers, out.shop.buyers);
    assert.ok(out.shop.repeatRate > 0 && out.shop.repeatRate < 1 && out.shop.repeatRateCi[0] < out.shop.repeatRate);
    assert.deepEqual([out.gatewayProducts, out.bestCustomerProducts, out.reorder], [[], [], []]);
    assert.match(out.notes[0], /no product identity in these orders \(every line is cdnow-cd\)/);
  });

  it('on a Shopify export: gateway products keyed by SKU, as a table', () => {
    const r = cli('insights', FIXTURE, '--format', 'shopify', '--as-of', '2026-05-31', '--window-days', '30', '--min-customers', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /as of 2026-05-31; window 30 days/);
    assert.match(r.stdout, /SHOP: 33\.3% of 3 customers observed for 30 days ordered again within them \(95% 6\.1%–79\.2%\)/);
    assert.match(r.stdout, /GATEWAY PRODUCTS[^\n]*\n\s+product\s+customers[^\n]*\n\s+TP-MINT-75\s+2\s+50\.0%\s+9\.5%–90\.5%/);
    assert.ok(!r.stdout.includes('@'));
  });

  it('rejects a window that is not a whole number of days', () => {
    const r = cli('insights', FIXTURE, '--format', 'shopify', '--window-days', '1.5');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--window-days must be a whole number ≥ 1, got "1\.5"/);
  });
});
