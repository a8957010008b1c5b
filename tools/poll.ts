// The one "ask again until it holds" loop of the tests, scripts and benchmarks. (The app itself never
// polls like this: it waits on events, or retries with its own backoff.)

type Truthy<T> = Exclude<T, null | undefined | false | 0 | ''>;

export interface PollOptions {
  /** Default 30 s. */
  timeoutMs?: number;
  /** Pause between probes; default 100 ms. */
  intervalMs?: number;
  /** More to say when it times out (the last lines of a server's log, say). */
  detail?: () => string;
}

/** Resolves with the first truthy answer of `probe`; rejects with "timed out waiting for <what>". */
export async function pollUntil<T>(what: string, probe: () => T | Promise<T>, o: PollOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)${o.detail ? `\n${o.detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
}
