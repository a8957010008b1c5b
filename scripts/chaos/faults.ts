// What the chaos run breaks, and when: one table of (moment, fault), the moment being the share of the
// run's order webhooks caused so far. A seed-driven jitter moves every moment (± jitter) so that runs
// with different seeds hit the pipeline in different states; the same seed gives the same schedule.
// Everything that happens to the system (faults, tag drift seen by the app) goes on one timeline, which a
// failure report prints around the customers it names.
import { seededRng } from '../../tools/seeded-random.ts';

export type FaultKind = 'redis-restart' | 'mongo-restart' | 'worker-kill' | 'schedules-fire';

export interface FaultStep {
  /** Share of the order webhooks caused (0..1) at which the fault is injected. */
  at: number;
  kind: FaultKind;
}

/**
 * At 10% the daily schedulers fire (nightly recalibration, recency sweep, delivery cleanup — what a run
 * crossing 03:00–05:00 UTC meets: jobs a worker queues without an as-of; early, so that a worker kill
 * rarely catches the recalibration and its 120 s lock), Redis SIGKILL + restart at 20%, a worker
 * SIGKILLed mid-job at 35% and 70%, FerretDB SIGKILL + restart at 50%.
 */
export const FAULT_SCHEDULE: readonly FaultStep[] = [
  { at: 0.1, kind: 'schedules-fire' },
  { at: 0.2, kind: 'redis-restart' },
  { at: 0.35, kind: 'worker-kill' },
  { at: 0.5, kind: 'mongo-restart' },
  { at: 0.7, kind: 'worker-kill' },
];

/** The table with each moment moved by up to ± `jitter` (seeded; kept within 5%..95%), in order. */
export function faultSchedule(seed: number, jitter: number, table: readonly FaultStep[] = FAULT_SCHEDULE): FaultStep[] {
  if (jitter <= 0) return table.map((s) => ({ ...s }));
  // Its own stream: the merchant actions drawn from the same seed stay the same with or without jitter.
  const rng = seededRng(seed ^ 0x6a177e5);
  return table
    .map((s) => ({ ...s, at: Math.min(0.95, Math.max(0.05, s.at + (rng.next() * 2 - 1) * jitter)) }))
    .sort((a, b) => a.at - b.at);
}

export interface TimelineEvent {
  /** Epoch ms. */
  at: number;
  what: string;
  /** Customers the event concerns (jobs active at a kill, a customer whose tags drifted). */
  customers?: string[];
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  private readonly startedAt: number;

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  mark(what: string, customers?: string[]): void {
    this.events.push({ at: Date.now(), what, ...(customers?.length ? { customers } : {}) });
  }

  /** "17:02:11.402 (+83.1 s)": wall clock and time since the run started. */
  stamp(at: number): string {
    return `${new Date(at).toISOString().slice(11, 23)} (+${((at - this.startedAt) / 1000).toFixed(1)} s)`;
  }

  format(e: TimelineEvent): string {
    return `${this.stamp(e.at)} ${e.what}`;
  }
}
