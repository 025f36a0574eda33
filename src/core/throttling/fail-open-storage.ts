import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** Longest a request waits for its count before it is let through uncounted. */
const COUNT_TIMEOUT_MS = 250;
/** A Redis outage is reported once per this long, not once per request. */
const WARN_EVERY_MS = 60_000;

const UNCOUNTED: ThrottlerStorageRecord = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

/**
 * Counts in Redis, but never lets Redis decide whether Herald answers: when the count fails or
 * takes longer than COUNT_TIMEOUT_MS (Redis down or unreachable), the request goes through
 * uncounted and the outage is logged. Redis carries timing, never the right to be served.
 */
export class FailOpenStorage implements ThrottlerStorage {
  private readonly logger = new Logger('Throttling');
  private warnedAt = 0;

  constructor(private readonly counted: ThrottlerStorage) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${COUNT_TIMEOUT_MS} ms`)), COUNT_TIMEOUT_MS)));
    try {
      return await Promise.race([this.counted.increment(key, ttl, limit, blockDuration, throttlerName), timeout]);
    } catch (error) {
      if (Date.now() - this.warnedAt >= WARN_EVERY_MS) {
        this.warnedAt = Date.now();
        this.logger.warn(`Request counts unavailable (${error instanceof Error ? error.message : String(error)}); requests pass uncounted until Redis answers`);
      }
      return UNCOUNTED;
    } finally {
      clearTimeout(timer);
    }
  }
}
