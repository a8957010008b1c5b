// Shopify's GraphQL rate limit: a bucket per app+shop that refills continuously at the plan's restore
// rate. The requested cost is taken up front and the unused part given back after execution.
import type { Clock } from './clock.ts';

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class LeakyBucket {
  readonly maximumAvailable: number;
  readonly restoreRate: number;
  readonly #clock: Clock;
  #available: number;
  #at: number;
  /** After drain(): stays empty until the next request, however long that takes to arrive. */
  #pinned = false;

  constructor(restoreRate: number, clock: Clock, sizeFactor = 20) {
    this.restoreRate = restoreRate;
    this.maximumAvailable = restoreRate * sizeFactor;
    this.#clock = clock;
    this.#available = this.maximumAvailable;
    this.#at = clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    if (this.#pinned) {
      this.#at = Math.max(this.#at, now);
      return;
    }
    if (now > this.#at) {
      this.#available = Math.min(this.maximumAvailable, this.#available + ((now - this.#at) / 1000) * this.restoreRate);
    }
    this.#at = Math.max(this.#at, now);
  }

  tryTake(cost: number): boolean {
    this.#refill();
    this.#pinned = false;
    if (cost > this.#available) return false;
    this.#available -= cost;
    return true;
  }

  giveBack(points: number): void {
    this.#refill();
    this.#available = Math.min(this.maximumAvailable, this.#available + points);
  }

  /**
   * Empties the bucket as of the next request ("another client just spent everything"): the next
   * request with a cost is THROTTLED whatever the wall clock did meanwhile; refilling starts then.
   */
  drain(): void {
    this.#available = 0;
    this.#at = this.#clock.now();
    this.#pinned = true;
  }

  status(): ThrottleStatus {
    this.#refill();
    return { maximumAvailable: this.maximumAvailable, currentlyAvailable: Math.floor(this.#available), restoreRate: this.restoreRate };
  }
}
