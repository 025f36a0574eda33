/**
 * How long to wait before the next attempt after a retryable failure of attempt `attempt`
 * (1-based), or null when the retries are used up. `delaysMs` is NOTIFY_RETRY_DELAYS: its n-th
 * entry follows the n-th failed attempt, so there are as many retries as entries. A wait the
 * channel asked for (Retry-After, Telegram's retry_after) is the provider's instruction and
 * replaces the configured delay, shorter or longer; the attempt still counts against the retries.
 */
export function retryDelay(attempt: number, delaysMs: readonly number[], retryAfterMs?: number): number | null {
  if (attempt < 1 || attempt > delaysMs.length) return null;
  return retryAfterMs ?? delaysMs[attempt - 1];
}

/** Attempts a notification gets in all: the first one and one per retry delay. */
export function maxAttempts(delaysMs: readonly number[]): number {
  return delaysMs.length + 1;
}
