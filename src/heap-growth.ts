// V8's heap growing factor, set at a process's start from HEAP_GROWING_PERCENT (src/config.ts): the
// flag is read at every full collection, so setting it before the process does its work has the same
// effect as passing it on the command line (measured: docs/benchmarks.md, "The worker's peak"), and
// holds however the process is launched (npm scripts, a container's command, the benchmarks).
import { setFlagsFromString } from 'node:v8';

/** The V8 flag for `percent` (null: leave V8's own factor). */
export function heapGrowingFlag(percent: number): string | null {
  return percent > 0 ? `--heap-growing-percent=${Math.trunc(percent)}` : null;
}

/** Applies HEAP_GROWING_PERCENT to this process; returns the flag set, if any. */
export function boundHeapGrowth(percent: number): string | null {
  const flag = heapGrowingFlag(percent);
  if (flag) setFlagsFromString(flag);
  return flag;
}
