/** Wall-clock time in epoch milliseconds with microsecond resolution, from the monotonic clock. */
export function nowMs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}

/** Milliseconds rounded to the microsecond, as the run log stores them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
