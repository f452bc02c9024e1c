/**
 * How bunched a series of calls was, as a rate limit would count it. Shared by the presence
 * protection test and the bench's presence rows, so both count the same way.
 */

/** The most calls in any 1000 ms, wherever it starts: what a sliding-window rate limit counts. */
export function busiestWindow(calls: readonly number[]): number {
  const sorted = [...calls].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= 1000) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** The most calls in one calendar second: what a per-second counter counts. */
export function busiestSecond(calls: readonly number[]): number {
  const perSecond = new Map<number, number>();
  for (const at of calls) {
    const second = Math.floor(at / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(0, ...perSecond.values());
}
