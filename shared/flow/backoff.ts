/** Exponential backoff with full jitter, so racing writers spread out instead of colliding again. */
export function backoff(attempt: number): Promise<void> {
  const capMs = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * capMs));
}
