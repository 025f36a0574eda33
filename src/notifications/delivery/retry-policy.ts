/**
 * How long to wait before the next attempt after a retryable failure of attempt `attempt`
 * (1-based), or null when the retries are used up. `delaysMs` is NOTIFY_RETRY_DELAYS: its n-th
 * entry follows the n-th failed attempt, so there are as many retries as entries. A wait the
 * channel asked for (Retry-After, Telegram's retry_after) wins when it is longer.
 */
export function retryDelay(attempt: number, delaysMs: readonly number[], retryAfterMs?: number): number | null {
  if (attempt < 1 || attempt > delaysMs.length) return null;
  return Math.max(delaysMs[attempt - 1], retryAfterMs ?? 0);
}

/** Attempts a notification gets in all: the first one and one per retry delay. */
export function maxAttempts(delaysMs: readonly number[]): number {
  return delaysMs.length + 1;
}
