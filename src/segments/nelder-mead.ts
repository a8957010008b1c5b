// Nelder–Mead simplex minimiser (Nelder & Mead 1965; the Lagarias et al. 1998 variant used by
// scipy/MATLAB fminsearch, standard coefficients 1, 2, 1/2, 1/2). Small and dependency-free: the npm
// candidate (fmin 0.0.4) ships no ES module exports and fails in its shrink step. Tested in
// test/segments/nelder-mead.test.ts on functions with known minima.

export interface MinimizeOptions {
  maxIterations?: number;
  /** Stop when the spread of function values in the simplex is below this… */
  fTolerance?: number;
  /** …and the simplex fits in a box of this size (in the parameters' own units). */
  xTolerance?: number;
  /** Initial simplex step per coordinate. */
  initialStep?: number;
  /** Restart from the optimum until an extra run improves f by less than fTolerance (max restarts). */
  restarts?: number;
}

export interface MinimizeResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  /** Stopped on tolerance (not on maxIterations) and a restart did not find anything better. */
  converged: boolean;
}

function run(f: (x: number[]) => number, x0: number[], o: Required<MinimizeOptions>): MinimizeResult {
  const n = x0.length;
  let evaluations = 0;
  const fx = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] = p[i]! + (p[i] !== 0 ? o.initialStep * Math.max(1, Math.abs(p[i]!)) : o.initialStep);
    pts.push(p);
  }
  let vals = pts.map(fx);
  const order = pts.map((_, i) => i);
  let iterations = 0;
  let converged = false;
  const combine = (c: number[], w: number[], t: number): number[] => c.map((ci, j) => ci + t * (w[j]! - ci));
  for (; iterations < o.maxIterations; iterations++) {
    order.sort((i, j) => vals[i]! - vals[j]! || i - j);
    const best = order[0]!;
    const worst = order[n]!;
    const second = order[n - 1]!;
    let size = 0;
    for (const i of order) for (let j = 0; j < n; j++) size = Math.max(size, Math.abs(pts[i]![j]! - pts[best]![j]!));
    if (Math.abs(vals[worst]! - vals[best]!) <= o.fTolerance && size <= o.xTolerance) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (const i of order.slice(0, n)) for (let j = 0; j < n; j++) centroid[j]! += pts[i]![j]! / n;
    const reflected = combine(centroid, pts[worst]!, -1);
    const fr = fx(reflected);
    if (fr < vals[best]!) {
      const expanded = combine(centroid, pts[worst]!, -2);
      const fe = fx(expanded);
      if (fe < fr) [pts[worst], vals[worst]] = [expanded, fe];
      else [pts[worst], vals[worst]] = [reflected, fr];
      continue;
    }
    if (fr < vals[second]!) {
      [pts[worst], vals[worst]] = [reflected, fr];
      continue;
    }
    const outside = fr < vals[worst]!;
    const contracted = outside ? combine(centroid, pts[worst]!, -0.5) : combine(centroid, pts[worst]!, 0.5);
    const fc = fx(contracted);
    if (fc < (outside ? fr : vals[worst]!)) {
      [pts[worst], vals[worst]] = [contracted, fc];
      continue;
    }
    for (const i of order.slice(1)) {
      pts[i] = combine(pts[best]!, pts[i]!, 0.5);
    }
    vals = vals.map((v, i) => (i === best ? v : fx(pts[i]!)));
  }
  order.sort((i, j) => vals[i]! - vals[j]! || i - j);
  return { x: pts[order[0]!]!, fx: vals[order[0]!]!, iterations, evaluations, converged };
}

export function nelderMead(f: (x: number[]) => number, x0: number[], options: MinimizeOptions = {}): MinimizeResult {
  const o: Required<MinimizeOptions> = {
    maxIterations: options.maxIterations ?? 200 * x0.length,
    fTolerance: options.fTolerance ?? 1e-10,
    xTolerance: options.xTolerance ?? 1e-6,
    initialStep: options.initialStep ?? 0.25,
    restarts: options.restarts ?? 2,
  };
  let result = run(f, x0, o);
  if (o.restarts === 0) return result;
  let iterations = result.iterations;
  let evaluations = result.evaluations;
  // A restart only has to confirm (or escape) a collapsed simplex: a small fresh simplex suffices.
  const restartOptions = { ...o, initialStep: Math.min(o.initialStep, Math.max(100 * o.xTolerance, 1e-3)) };
  for (let k = 0; k < o.restarts; k++) {
    const again = run(f, result.x, restartOptions);
    iterations += again.iterations;
    evaluations += again.evaluations;
    const improvement = result.fx - again.fx;
    const better = again.fx < result.fx;
    const converged = again.converged && improvement <= Math.max(o.fTolerance, 1e-12) * 10;
    result = better ? again : { ...result, converged: result.converged && again.converged };
    if (converged) return { ...result, converged: true, iterations, evaluations };
  }
  return { ...result, converged: false, iterations, evaluations };
}
