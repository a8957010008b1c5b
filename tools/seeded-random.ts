// Seeded pseudo-random numbers for the tests, benchmarks, demo, synthetic shop and Shopify simulator,
// in one place: seededRng (sfc32, Chris Doty-Humphrey's Small Fast Counter, as in PractRand) with the
// few distributions we draw from, and Prng (int, chance, pick; independent named streams) for the
// simulator's choices. Prng keeps its mulberry32 sequence: the simulator's seeded shops, fault draws
// and delivery order in every test and benchmark figure come from it.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function seededRng(seed: number): Rng {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162;
  let d = 1;
  const step = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 12; i++) step();
  return { next: step };
}

/** A named stream of a seed: adding draws in one place does not shift another. */
export function derivedSeed(seed: number, purpose: string): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The choices a simulation makes, over one seeded stream (mulberry32). */
export class Prng implements Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this, min, max);
  }
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from empty list');
    return item;
  }
}

export function derivedPrng(seed: number, purpose: string): Prng {
  return new Prng(derivedSeed(seed, purpose));
}

export function uniformInt(rng: Rng, lo: number, hiInclusive: number): number {
  return lo + Math.floor(rng.next() * (hiInclusive - lo + 1));
}

export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng.next()) / rate;
}

function standardNormal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000); shape < 1 via the boost u^(1/shape). */
export function gamma(rng: Rng, shape: number, rate: number): number {
  if (shape < 1) return gamma(rng, shape + 1, rate) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a, 1);
  const y = gamma(rng, b, 1);
  return x / (x + y);
}
