// Time source for everything the simulator stamps or meters (bucket refill, token expiry, the 60-day
// rule). Tests pass a FakeClock so throttling and expiry are deterministic.
export interface Clock {
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };

export class FakeClock implements Clock {
  #ms: number;
  constructor(startMs: number = Date.parse('2026-01-01T00:00:00Z')) {
    this.#ms = startMs;
  }
  now(): number {
    return this.#ms;
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
  set(ms: number): void {
    this.#ms = ms;
  }
}
