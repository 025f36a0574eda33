import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../core/redis/redis.module';

export interface SendLimits {
  /** Messages in any `windowMs`, to all chats together. */
  maxPerWindow: number;
  windowMs: number;
  /** Least gap between two messages to one chat. */
  perChatIntervalMs: number;
  /**
   * The longest a started send holds its slot without finishing: longer than any send can take,
   * so that a process which died mid-send frees its slots after this long.
   */
  leaseMs: number;
}

/** How often a waiter asks again while the send in its way runs longer than its window or interval. */
const IN_FLIGHT_POLL_MS = 50;

/*
 * KEYS: 1 finished sends (zset: send id -> ms its slot frees, finish + window), 2 sends in flight
 * (zset: send id -> start ms), 3 the chat (hash: `next` = ms it may get its next message, `sending`
 * = the send in flight to it). ARGV: send id, maxPerWindow, windowMs, perChatIntervalMs, leaseMs,
 * poll ms. Returns {0, 0} with the slot reserved, or how long the global limit and the chat want
 * the caller to wait (ms). Times are Redis's own, so processes with skewed clocks agree.
 */
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local id, max, window, interval, lease, poll = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - lease)
local globalWait = 0
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= max then
  local finished = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if finished[2] then globalWait = tonumber(finished[2]) - now end
  local flying = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if flying[2] then
    -- A send in flight frees its slot a window after it finishes, so not before a window after its start.
    local wait = math.max(tonumber(flying[2]) + window - now, poll)
    if globalWait == 0 or wait < globalWait then globalWait = wait end
  end
end
local chat = redis.call('HMGET', KEYS[3], 'next', 'sending')
local nextAt = tonumber(chat[1]) or 0
local chatWait = 0
if chat[2] then chatWait = math.max(nextAt - now, poll) elseif nextAt > now then chatWait = nextAt - now end
if globalWait > 0 or chatWait > 0 then return { math.ceil(globalWait), math.ceil(chatWait) } end
redis.call('ZADD', KEYS[2], math.floor(now), id)
redis.call('PEXPIRE', KEYS[2], lease)
redis.call('HSET', KEYS[3], 'next', math.ceil(now + interval), 'sending', id)
redis.call('PEXPIRE', KEYS[3], lease)
return { 0, 0 }
`;

/* The send `ARGV[1]` finished (or failed) now: its slot frees a window from now, its chat an interval from now. */
const FINISH = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local id, window, interval = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[1], math.ceil(now + window), id)
redis.call('PEXPIRE', KEYS[1], math.ceil(window) + 1)
if redis.call('HGET', KEYS[3], 'sending') == id then redis.call('HDEL', KEYS[3], 'sending') end
local nextAt = math.max(tonumber(redis.call('HGET', KEYS[3], 'next')) or 0, math.ceil(now + interval))
redis.call('HSET', KEYS[3], 'next', nextAt)
-- Another send in flight to the chat (only after a lease ran out) keeps its longer expiry.
if redis.call('HEXISTS', KEYS[3], 'sending') == 0 then redis.call('PEXPIRE', KEYS[3], math.max(math.ceil(nextAt - now), 1)) end
return 0
`;

interface LimiterCommands {
  sendLimitReserve(sent: string, sending: string, chat: string, ...args: (string | number)[]): Promise<[number, number]>;
  sendLimitFinish(sent: string, sending: string, chat: string, ...args: (string | number)[]): Promise<number>;
}

/**
 * Paces sends the way Telegram asks, for every process sharing one Redis: at most `maxPerWindow`
 * messages in any `windowMs` to all chats together, and one message per chat every
 * `perChatIntervalMs`. Callers wait (sleeping until the script says the slot they need frees),
 * nothing is dropped. The state lives under `keyBase` and is changed only by two Lua scripts, so
 * every check and reservation is atomic across processes.
 *
 * A send reserves its slot when it starts and holds it until its gap has passed after it finished
 * (global: `windowMs`; per chat: `perChatIntervalMs`). Telegram measures at arrival, which lies
 * between the two, so counting from the finish makes the limits hold as Telegram sees them whatever
 * the latency, with no safety margin: any two arrivals in one chat are at least the interval
 * apart, and any maxPerWindow + 1 arrivals span at least a window. A send that failed counts too
 * (it may have arrived).
 *
 * Waiters are not served in order. Within a process, those waiting for the global limit line up
 * and only the first asks Redis, so a freed slot does not wake them all.
 */
export class SendRateLimiter {
  private readonly redis: RedisClient & LimiterCommands;
  private readonly globalLine = new Line();
  private readonly logger = new Logger(SendRateLimiter.name);

  constructor(
    redis: RedisClient,
    private readonly keyBase: string,
    private readonly limits: SendLimits,
  ) {
    redis.defineCommand('sendLimitReserve', { numberOfKeys: 3, lua: RESERVE });
    redis.defineCommand('sendLimitFinish', { numberOfKeys: 3, lua: FINISH });
    this.redis = redis as RedisClient & LimiterCommands;
  }

  /** Runs `send` once both the chat and the global limit allow it. */
  async run<T>(chatId: string, send: () => Promise<T>): Promise<T> {
    const id = randomUUID();
    const keys = [`${this.keyBase}:sent`, `${this.keyBase}:sending`, `${this.keyBase}:chat:${chatId}`] as const;
    await this.reserve(id, keys);
    try {
      return await send();
    } finally {
      await this.finish(id, keys);
    }
  }

  /** Never throws: a send that reached Telegram must not be reported as failed. Unrecorded, its slots free when the lease ends. */
  private async finish(id: string, keys: readonly [string, string, string]): Promise<void> {
    const { windowMs, perChatIntervalMs } = this.limits;
    try {
      await this.redis.sendLimitFinish(...keys, id, windowMs, perChatIntervalMs);
    } catch (error) {
      this.logger.warn(`Could not record a finished send; its slots free after the lease (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private async reserve(id: string, keys: readonly [string, string, string]): Promise<void> {
    const { maxPerWindow, windowMs, perChatIntervalMs, leaseMs } = this.limits;
    let leaveLine: (() => void) | null = null;
    try {
      for (;;) {
        const [globalWait, chatWait] = await this.redis.sendLimitReserve(...keys, id, maxPerWindow, windowMs, perChatIntervalMs, leaseMs, IN_FLIGHT_POLL_MS);
        if (globalWait === 0 && chatWait === 0) return;
        if (chatWait >= globalWait) {
          // The chat holds it up: wait outside the line, which is for the global limit.
          leaveLine?.();
          leaveLine = null;
          await sleep(chatWait);
        } else if (!leaveLine) {
          // Ask again once at the head of the line: the wait may be over by then.
          leaveLine = await this.globalLine.enter();
        } else {
          await sleep(globalWait);
        }
      }
    } finally {
      leaveLine?.();
    }
  }
}

/** First come, first served turns within this process. */
class Line {
  private last: Promise<void> = Promise.resolve();

  /** Resolves at the caller's turn with the function that ends it. */
  enter(): Promise<() => void> {
    let leave!: () => void;
    const turn = new Promise<void>((resolve) => (leave = resolve));
    const start = this.last.then(() => leave);
    this.last = this.last.then(() => turn);
    return start;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
