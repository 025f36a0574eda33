import { randomUUID } from 'node:crypto';
import { TelegramSender } from '../src/channels/telegram/telegram.sender';
import { TelegramBotApi } from './support/telegram-bot-api';
import { startTestApp, TestApp } from './support/test-app';

const TOKEN = '123456789:TEST-token_abcdefghijklmnopqrstuvwxyz';
const MAX_PER_SECOND = 25;
const PER_CHAT_MS = 100;

describe('channels: Telegram rate limits (e2e)', () => {
  let t: TestApp;
  let api: TelegramBotApi;

  beforeAll(async () => {
    api = new TelegramBotApi(TOKEN, 'herald_test_bot');
    const apiRoot = await api.start();
    t = await startTestApp({
      env: {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_BOT_USERNAME: 'herald_test_bot',
        TELEGRAM_API_ROOT: apiRoot,
        TELEGRAM_UPDATES: 'none',
        TELEGRAM_MAX_PER_SECOND: String(MAX_PER_SECOND),
        TELEGRAM_PER_CHAT_INTERVAL: `${PER_CHAT_MS}ms`,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await api?.stop();
  });

  it('sends a burst of 200 messages to 20 chats at most 25 per second and one per chat per 100 ms, dropping none', async () => {
    const sender = t.app.get(TelegramSender);
    const chats = Array.from({ length: 20 }, (_, i) => String(8000 + i));
    const started = Date.now();
    const receipts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        sender.send(randomUUID(), { userId: randomUUID(), to: chats[i % chats.length], locale: 'en' }, { subject: `Burst ${i}`, text: 'x' }),
      ),
    );
    const elapsed = Date.now() - started;

    const sends = api.callsOf('sendMessage');
    expect(sends).toHaveLength(200);
    expect(new Set(receipts.map((receipt) => receipt.providerMessageId)).size).toBe(200);

    // Global: any MAX + 1 arrivals span at least a second, i.e. no 1 s window holds more than MAX.
    const times = sends.map((call) => call.at).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0; i < times.length; i++) busiest = Math.max(busiest, times.filter((at) => at >= times[i] && at < times[i] + 1000).length);
    expect(busiest).toBeLessThanOrEqual(MAX_PER_SECOND);

    // Per chat: no two arrivals closer than the interval.
    for (const chat of chats) {
      const own = sends.filter((call) => String(call.params.chat_id) === chat).map((call) => call.at);
      expect(own).toHaveLength(10);
      for (let i = 1; i < own.length; i++) expect(own[i] - own[i - 1]).toBeGreaterThanOrEqual(PER_CHAT_MS);
    }
    // 200 at 25 per second cannot take much less than 7 s: the limiter waited rather than dropped.
    expect(elapsed).toBeGreaterThanOrEqual(7000);
  }, 30_000);
});
