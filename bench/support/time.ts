export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface PollOptions {
  timeoutMs: number;
  everyMs?: number;
  /** Called each round; throws to stop waiting (e.g. a Herald process died). */
  guard?: () => void;
}

/**
 * Polls `probe` until it holds. Returns false when `timeoutMs` passes first, so a scenario can
 * report "timed out" instead of failing or hanging.
 */
export async function pollUntil(probe: () => Promise<boolean> | boolean, options: PollOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.guard?.();
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(options.everyMs ?? 50);
  }
}
