import { SendRateLimiter } from './send-rate-limiter';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `count` sends through the limiter at once, each taking `latencyMs`, and returns their start times by chat. */
async function burst(limiter: SendRateLimiter, chats: string[], count: number, latencyMs = 2) {
  const starts: { chat: string; at: number }[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const chat = chats[i % chats.length];
      return limiter.run(chat, async () => {
        starts.push({ chat, at: Date.now() });
        await sleep(latencyMs);
      });
    }),
  );
  return starts;
}

describe(SendRateLimiter.name, () => {
  it('keeps one chat to one message per interval, in order, and waits instead of dropping', async () => {
    const limiter = new SendRateLimiter(30, 50);
    const order: number[] = [];
    const started = Date.now();
    await Promise.all([0, 1, 2, 3].map((i) => limiter.run('42', async () => void order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 50 - 5);
  });

  it('does not hold up other chats while one chat waits', async () => {
    const limiter = new SendRateLimiter(30, 1000);
    await limiter.run('busy', async () => undefined);
    const started = Date.now();
    await limiter.run('other', async () => undefined);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('never starts more than the maximum in any window, across chats, nor two to one chat closer than the interval', async () => {
    const limiter = new SendRateLimiter(5, 40, 200);
    const starts = await burst(limiter, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 30);
    const times = starts.map((s) => s.at).sort((x, y) => x - y);
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5] - times[i]).toBeGreaterThanOrEqual(200);
    const byChat = new Map<string, number[]>();
    for (const { chat, at } of starts) byChat.set(chat, [...(byChat.get(chat) ?? []), at]);
    for (const chatTimes of byChat.values()) {
      for (let i = 1; i < chatTimes.length; i++) expect(chatTimes[i] - chatTimes[i - 1]).toBeGreaterThanOrEqual(40);
    }
    expect(limiter.queued).toBe(0);
  });

  it('releases the slot of a send that failed', async () => {
    const limiter = new SendRateLimiter(1, 10, 50);
    await expect(limiter.run('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('x', async () => 'ok')).resolves.toBe('ok');
  });
});
