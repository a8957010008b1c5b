import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nelderMead } from '../../src/segments/nelder-mead.ts';

describe('Nelder–Mead', () => {
  it('finds the minimum of the Rosenbrock function and says it converged', () => {
    const rosen = ([x, y]: number[]): number => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2;
    const res = nelderMead(rosen, [-1.2, 1], { maxIterations: 5000 });
    assert.ok(res.converged);
    assert.ok(Math.abs(res.x[0]! - 1) < 1e-4 && Math.abs(res.x[1]! - 1) < 1e-4, String(res.x));
    assert.ok(res.fx < 1e-8);
  });

  it('minimises a shifted 4-dimensional quadratic', () => {
    const target = [3, -2, 0.5, 10];
    const f = (x: number[]): number => x.reduce((s, v, i) => s + (i + 1) * (v - target[i]!) ** 2, 0);
    const res = nelderMead(f, [0, 0, 0, 0], { maxIterations: 4000 });
    res.x.forEach((v, i) => assert.ok(Math.abs(v - target[i]!) < 1e-4, `x${i}=${v}`));
  });

  it('reports no convergence when the iteration budget runs out', () => {
    const rosen = ([x, y]: number[]): number => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2;
    const res = nelderMead(rosen, [-1.2, 1], { maxIterations: 5, restarts: 0 });
    assert.equal(res.converged, false);
  });

  it('says it converged without a confirming restart when asked for none', () => {
    const res = nelderMead(([x]: number[]) => (x! - 3) ** 2, [0], { restarts: 0 });
    assert.equal(res.converged, true);
    assert.ok(Math.abs(res.x[0]! - 3) < 1e-4);
  });

  it('treats NaN as infinitely bad instead of wandering into it', () => {
    const f = ([x]: number[]): number => (x! < 0 ? Number.NaN : (x! - 2) ** 2);
    const res = nelderMead(f, [1]);
    assert.ok(Math.abs(res.x[0]! - 2) < 1e-4);
  });
});
