import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { SendLimits, SendRateLimiter } from './send-rate-limiter';
import { botIdOf } from './telegram-send-limits';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One send as the test saw it: started, "arrived" at the far end, finished (all Date.now()). */
interface Timing {
  chat: string;
  by: string;
  start: number;
  arrival: number;
  finish: number;
}

describe(SendRateLimiter.name, () => {
  const prefix = `t${randomBytes(5).toString('hex')}:tg-limit`;
  const connections: Redis[] = [];
  let base = 0;

  /** A limiter on its own connection, as a separate process would have; `keyBase` shared by the limiters of one test. */
  function limiterOn(keyBase: string, limits: Partial<SendLimits>): SendRateLimiter {
    const redis = new Redis(process.env.HERALD_TEST_REDIS_URL!, { maxRetriesPerRequest: null });
    connections.push(redis);
    return new SendRateLimiter(redis, keyBase, { maxPerWindow: 30, windowMs: 1000, perChatIntervalMs: 1000, leaseMs: 30_000, ...limits });
  }
  const freshKeyBase = () => `${prefix}:${++base}`;

  afterAll(async () => {
    const keys = await connections[0].keys(`${prefix}:*`);
    if (keys.length) await connections[0].del(...keys);
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  /** A send taking `beforeArrival` ms to reach the far end and `afterArrival` more for the answer, recording its timing. */
  function timedSend(timings: Timing[], chat: string, by: string, beforeArrival: number, afterArrival: number) {
    return async () => {
      const start = Date.now();
      await sleep(beforeArrival);
      const arrival = Date.now();
      await sleep(afterArrival);
      timings.push({ chat, by, start, arrival, finish: Date.now() });
    };
  }

  it('keeps one chat to one message an interval after the previous one finished, and waits instead of dropping', async () => {
    const keyBase = freshKeyBase();
    const limiter = limiterOn(keyBase, { perChatIntervalMs: 100 });
    const timings: Timing[] = [];
    // Each send takes longer than the interval: the next must wait for the finish, not the start.
    await Promise.all([0, 1, 2, 3].map(() => limiter.run('42', timedSend(timings, '42', 'one', 60, 90))));
    expect(timings).toHaveLength(4);
    timings.sort((a, b) => a.start - b.start);
    for (let i = 1; i < timings.length; i++) expect(timings[i].start - timings[i - 1].finish).toBeGreaterThanOrEqual(100);
    // Nothing outlives its use.
    const redis = connections[connections.length - 1];
    for (const key of await redis.keys(`${keyBase}:*`)) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('does not hold up other chats while one chat waits', async () => {
    const limiter = limiterOn(freshKeyBase(), { perChatIntervalMs: 2000 });
    await limiter.run('busy', async () => undefined);
    const started = Date.now();
    const waiting = limiter.run('busy', async () => Date.now());
    await limiter.run('other', async () => undefined);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await waiting) - started).toBeGreaterThanOrEqual(1900);
  }, 10_000);

  it('keeps two processes together within both limits, as the far end counts them, sending everything', async () => {
    const keyBase = freshKeyBase();
    const limits = { maxPerWindow: 5, windowMs: 300, perChatIntervalMs: 100 };
    const processes = [limiterOn(keyBase, limits), limiterOn(keyBase, limits)];
    const chats = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const timings: Timing[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const chat = chats[i % chats.length];
        // Uneven latencies, so arrivals do not follow starts evenly.
        return processes[i % 2].run(chat, timedSend(timings, chat, `p${i % 2}`, (i * 7) % 11, (i * 5) % 13));
      }),
    );
    expect(timings).toHaveLength(40);
    expect(new Set(timings.map((timing) => timing.by))).toEqual(new Set(['p0', 'p1']));
    for (const moment of ['start', 'arrival'] as const) {
      const times = timings.map((timing) => timing[moment]).sort((a, b) => a - b);
      for (let i = 0; i + limits.maxPerWindow < times.length; i++) expect(times[i + limits.maxPerWindow] - times[i]).toBeGreaterThanOrEqual(limits.windowMs);
    }
    for (const chat of chats) {
      const own = timings.filter((timing) => timing.chat === chat).sort((a, b) => a.start - b.start);
      expect(own).toHaveLength(5);
      for (let i = 1; i < own.length; i++) {
        expect(own[i].start - own[i - 1].finish).toBeGreaterThanOrEqual(limits.perChatIntervalMs);
        expect(own[i].arrival - own[i - 1].arrival).toBeGreaterThanOrEqual(limits.perChatIntervalMs);
      }
    }
  }, 20_000);

  it('counts a failed send against the limits and passes its error on', async () => {
    const limiter = limiterOn(freshKeyBase(), { maxPerWindow: 1, windowMs: 300, perChatIntervalMs: 10 });
    let failedAt = 0;
    const failing = async () => {
      failedAt = Date.now();
      throw new Error('boom');
    };
    await expect(limiter.run('x', failing)).rejects.toThrow('boom');
    const next = await limiter.run('y', async () => Date.now());
    expect(next - failedAt).toBeGreaterThanOrEqual(300);
  });

  it('frees the slots of a send that never finished (its process died) once its lease is over', async () => {
    const keyBase = freshKeyBase();
    const limits = { maxPerWindow: 1, windowMs: 100, perChatIntervalMs: 100, leaseMs: 600 };
    let unblock: (() => void) | undefined;
    const stuck = limiterOn(keyBase, limits).run('x', () => new Promise<void>((resolve) => (unblock = resolve)));
    // Its slots are taken once its send has started.
    while (!unblock) await new Promise((resolve) => setImmediate(resolve));
    const started = Date.now();
    const [otherChat, sameChat] = await Promise.all([
      limiterOn(keyBase, limits).run('y', async () => Date.now()),
      limiterOn(keyBase, limits).run('x', async () => Date.now()),
    ]);
    expect(Math.min(otherChat, sameChat) - started).toBeGreaterThanOrEqual(500);
    unblock!();
    await stuck;
  });
});

describe(botIdOf.name, () => {
  it('is the number before the colon, without the secret', () => {
    expect(botIdOf('123456789:TEST-token_abcdefghijklmnopqrstuvwxyz')).toBe('123456789');
  });
});
