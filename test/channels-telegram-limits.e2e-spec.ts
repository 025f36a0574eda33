import { randomUUID } from 'node:crypto';
import { TelegramSender } from '../src/channels/telegram/telegram.sender';
import { LeaseLost, MessageAbout, NOTHING_TO_RENEW } from '../src/notifications/channels/channel-sender';
import { NotificationType } from '../src/notifications/notification.entity';
import { BotApiCall, TELEGRAM_LIMITS, TelegramBotApi } from './support/telegram-bot-api';
import { startTestApp, TestApp } from './support/test-app';

const BOT_ID = '123456789';
const TOKEN = `${BOT_ID}:TEST-token_abcdefghijklmnopqrstuvwxyz`;
const MAX_PER_SECOND = 25;
const PER_CHAT_MS = 1000;
const ABOUT: MessageAbout = { type: NotificationType.booking_reminder, booking: null };

/** The most arrivals in any 1 s window. */
function busiestSecond(calls: BotApiCall[]): number {
  const times = calls.map((call) => call.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let first = 0, last = 0; first < times.length; first++) {
    while (last < times.length && times[last] < times[first] + 1000) last++;
    busiest = Math.max(busiest, last - first);
  }
  return busiest;
}

/** The smallest gap between two arrivals for one chat. */
function closestInChat(calls: BotApiCall[]): number {
  const byChat = new Map<string, number[]>();
  for (const call of calls) byChat.set(String(call.params.chat_id), [...(byChat.get(String(call.params.chat_id)) ?? []), call.at]);
  let closest = Infinity;
  for (const times of byChat.values()) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) closest = Math.min(closest, times[i] - times[i - 1]);
  }
  return closest;
}

describe('channels: Telegram rate limits shared by two worker processes (e2e)', () => {
  let first: TestApp;
  let second: TestApp;
  let api: TelegramBotApi;

  beforeAll(async () => {
    api = new TelegramBotApi(TOKEN, 'herald_test_bot');
    api.enforceLimits(TELEGRAM_LIMITS);
    const apiRoot = await api.start();
    const env = {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_BOT_USERNAME: 'herald_test_bot',
      TELEGRAM_API_ROOT: apiRoot,
      TELEGRAM_UPDATES: 'none',
      TELEGRAM_MAX_PER_SECOND: String(MAX_PER_SECOND),
      TELEGRAM_PER_CHAT_INTERVAL: `${PER_CHAT_MS}ms`,
    };
    first = await startTestApp({ env });
    second = await startTestApp({ env, sharing: first });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await api?.stop();
  });

  it('sends a burst of 200 messages from both processes within Telegram\'s limits, each once, with no 429', async () => {
    const senders = [first, second].map((t) => t.app.get(TelegramSender));
    const busyChat = '9000';
    const chats = Array.from({ length: 49 }, (_, i) => String(8000 + i));
    // Ten to one chat, the rest spread over 49 others; the two processes take turns.
    const messages = Array.from({ length: 200 }, (_, i) => ({ subject: `Burst ${i}`, chat: i < 10 ? busyChat : chats[i % chats.length] }));
    const results = await Promise.allSettled(
      messages.map(({ subject, chat }, i) => senders[i % 2].send(randomUUID(), { userId: randomUUID(), to: chat, locale: 'en' }, { subject, text: 'x' }, ABOUT, NOTHING_TO_RENEW)),
    );

    const sends = api.callsOf('sendMessage');
    const measured = { tooManyRequests: api.tooManyRequestsSent, busiestSecond: busiestSecond(sends), closestInChat: closestInChat(sends) };
    expect(measured.tooManyRequests).toBe(0);
    expect(measured.busiestSecond).toBeLessThanOrEqual(MAX_PER_SECOND);
    expect(measured.closestInChat).toBeGreaterThanOrEqual(PER_CHAT_MS);
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    // Every message arrived exactly once.
    expect(sends.map((call) => /^<b>(Burst \d+)<\/b>/.exec(String(call.params.text))?.[1]).sort()).toEqual(messages.map((message) => message.subject).sort());

    // The limiter's keys name the bot by its id, never by its token.
    const keys = await first.redis.keys(`${first.config.REDIS_KEY_PREFIX}:tg-limit:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith(`${first.config.REDIS_KEY_PREFIX}:tg-limit:${BOT_ID}:`) && !key.includes(TOKEN.split(':')[1])).toBe(true);
  }, 60_000);

  // A message waiting behind the limit must not go on a lease taken before the wait: the wait can outlast it.
  it('renews each message’s lease once the limit gives it its slot, right before its sendMessage, and sends nothing when the lease is lost', async () => {
    const sender = first.app.get(TelegramSender);
    const chat = '9100';
    const renewedAt: number[] = [];
    const before = api.callsOf('sendMessage').length;
    // Three to one chat: the second and third wait PER_CHAT_MS each behind the one before.
    await Promise.all(
      [0, 1, 2].map((i) =>
        sender.send(randomUUID(), { userId: randomUUID(), to: chat, locale: 'en' }, { subject: `Paced ${i}`, text: 'x' }, ABOUT, async () => void renewedAt.push(Date.now())),
      ),
    );
    const calls = api.callsOf('sendMessage').slice(before);
    expect(calls).toHaveLength(3);
    renewedAt.sort((a, b) => a - b);
    for (const [i, call] of calls.entries()) {
      expect(call.at - renewedAt[i]).toBeGreaterThanOrEqual(0);
      expect(call.at - renewedAt[i]).toBeLessThan(PER_CHAT_MS / 2);
    }
    expect(renewedAt[2] - renewedAt[0]).toBeGreaterThanOrEqual(2 * PER_CHAT_MS - 50);

    const lost = new LeaseLost('taken-over');
    await expect(sender.send(randomUUID(), { userId: randomUUID(), to: '9101', locale: 'en' }, { subject: 'Lost', text: 'x' }, ABOUT, () => Promise.reject(lost))).rejects.toBe(lost);
    expect(api.callsOf('sendMessage').slice(before)).toHaveLength(3);
  }, 30_000);
});
