import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { BookingEvent, BookingEventType } from '../src/bookings/booking-event.entity';
import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { TelegramLinks } from '../src/channels/telegram/telegram-links';
import { Notification, NotificationStatus, NotificationType, NotificationChannel } from '../src/notifications/notification.entity';
import { User } from '../src/users/user.entity';
import { HOUR, insertBooking, insertNotification, rowOf, settled, waitFor } from './notifications-delivery.fixtures';
import { BotApiCall, blockedByUser, TelegramBotApi, tooManyRequests } from './support/telegram-bot-api';
import { Persona, startTestApp, TestApp } from './support/test-app';

const TOKEN = '123456789:TEST-token_abcdefghijklmnopqrstuvwxyz';
const USERNAME = 'herald_test_bot';
const SECRET = 'test-webhook-secret-0123456789';

const CHAT: Record<'customer' | 'provider' | 'otherCustomer' | 'ops', number> = { customer: 5001, provider: 5002, otherCustomer: 5003, ops: 5004 };

describe('channels: Telegram (e2e)', () => {
  let t: TestApp;
  let api: TelegramBotApi;

  beforeAll(async () => {
    api = new TelegramBotApi(TOKEN, USERNAME);
    const apiRoot = await api.start();
    t = await startTestApp({
      env: {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_BOT_USERNAME: USERNAME,
        TELEGRAM_API_ROOT: apiRoot,
        TELEGRAM_UPDATES: 'webhook',
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_PER_CHAT_INTERVAL: '10ms',
        NOTIFY_RETRY_DELAYS: '60s,120s,240s',
        NOTIFY_PROMOTE_EVERY: '1s',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await api?.stop();
  });
  afterEach(() => t.clock.reset());

  /** Posts an update to the webhook as Telegram would; resolves once it is handled. */
  async function deliver(update: unknown, secret: string | null = SECRET): Promise<number> {
    const response = await fetch(`${t.url}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });
    return response.status;
  }

  /** Sends a command from `chatId` and returns the bot's replies to it. */
  async function command(chatId: number, text: string, languageCode = 'en'): Promise<string[]> {
    const before = api.calls.length;
    expect(await deliver(api.messageUpdate(chatId, text, { languageCode }))).toBe(200);
    return api.calls
      .slice(before)
      .filter((call) => call.method === 'sendMessage' && Number(call.params.chat_id) === chatId)
      .map((call) => String(call.params.text));
  }

  async function linkUrl(persona: Persona): Promise<string> {
    const result = await t.gql<{ telegramLinkUrl: string }>('mutation { telegramLinkUrl }', {}, t.tokens[persona]);
    expect(result.errors).toBeUndefined();
    return result.data!.telegramLinkUrl;
  }

  const tokenOf = (url: string) => new URL(url).searchParams.get('start')!;
  const userRow = (persona: Persona) => t.orm.em.fork().findOneOrFail(User, { id: t.users[persona].id }, { refresh: true });
  const link = (persona: keyof typeof CHAT) =>
    t.orm.em.fork().nativeUpdate(User, { id: t.users[persona].id }, { telegramChatId: String(CHAT[persona]), telegramOffAt: null });
  const holdersOf = async (chat: number | string) =>
    (await t.orm.em.fork().find(User, { telegramChatId: String(chat) }, { fields: ['id'] })).map((user) => user.id);

  describe('linking', () => {
    it('links the chat that opens the deep link, once; the token is stored only as its hash', async () => {
      const url = await linkUrl('customer');
      expect(url).toMatch(new RegExp(`^https://t\\.me/${USERNAME}\\?start=[A-Za-z0-9_-]{20,64}$`));
      const token = tokenOf(url);
      const stored = await t.orm.em.fork().getConnection().execute<{ token_hash: string }[]>(`select token_hash from telegram_link_tokens where user_id = ?`, [t.users.customer.id]);
      expect(stored.map((row) => row.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(stored)).not.toContain(token);

      const replies = await command(CHAT.customer, `/start ${token}`);
      expect(replies).toEqual([expect.stringContaining('Done, Kamola Customer!')]);
      expect(await userRow('customer')).toMatchObject({ telegramChatId: String(CHAT.customer), telegramOffAt: null });
      const me = await t.gql<{ me: { telegramLinked: boolean } }>('query { me { telegramLinked } }', {}, t.tokens.customer);
      expect(me.data!.me.telegramLinked).toBe(true);

      // The same link from another chat: refused, and the first link stands.
      expect(await command(9999, `/start ${token}`)).toEqual([expect.stringContaining('expired or was already used')]);
      expect((await userRow('customer')).telegramChatId).toBe(String(CHAT.customer));
    });

    it('refuses an expired link', async () => {
      const token = tokenOf(await linkUrl('otherCustomer'));
      t.clock.travel(16 * 60_000);
      expect(await command(CHAT.otherCustomer, `/start ${token}`)).toEqual([expect.stringContaining('expired or was already used')]);
      expect((await userRow('otherCustomer')).telegramChatId).toBeNull();
    });

    it('moves a chat to whoever links it last: it belongs to one user at a time', async () => {
      const chat = 6101;
      expect(await command(chat, `/start ${tokenOf(await linkUrl('customer'))}`)).toEqual([expect.stringContaining('Done, Kamola Customer!')]);
      expect(await command(chat, `/start ${tokenOf(await linkUrl('otherCustomer'))}`)).toEqual([expect.stringContaining('Done, Karim Customer!')]);
      expect(await holdersOf(chat)).toEqual([t.users.otherCustomer.id]);
    });

    it('leaves exactly one holder when two users link one chat at the same moment', async () => {
      const chat = '6102';
      const tokens = [tokenOf(await linkUrl('customer')), tokenOf(await linkUrl('otherCustomer'))];
      // Hold both users' rows so that each link blocks just before writing its chat, then let both go at once.
      const locker = new Client({ connectionString: t.config.DATABASE_URL });
      await locker.connect();
      try {
        await locker.query('begin');
        await locker.query('select 1 from users where id = any($1) for no key update', [[t.users.customer.id, t.users.otherCustomer.id]]);
        const links = t.app.get(TelegramLinks);
        const linked = Promise.all(tokens.map((token) => links.redeem(token, chat)));
        await waitFor('both links to wait on the held rows', async () => {
          // Within a transaction pg_stat_activity is read once unless its snapshot is cleared.
          await locker.query('select pg_stat_clear_snapshot()');
          const { rows } = await locker.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))`,
          );
          return rows[0].n === 2;
        });
        await locker.query('commit');
        expect((await linked).map((user) => user?.id).sort()).toEqual([t.users.customer.id, t.users.otherCustomer.id].sort());
      } finally {
        await locker.end();
      }
      expect(await holdersOf(chat)).toHaveLength(1);
    });

    it('refuses, in the database itself, a second user holding a linked chat', async () => {
      await link('customer');
      const duplicate = t.orm.em.fork().nativeUpdate(User, { id: t.users.otherCustomer.id }, { telegramChatId: String(CHAT.customer) });
      await expect(duplicate).rejects.toBeInstanceOf(UniqueConstraintViolationException);
      // Users without a chat are not affected by the index.
      expect(await t.orm.em.fork().count(User, { telegramChatId: null })).toBeGreaterThan(1);
    });

    it('is offered to all five roles', async () => {
      for (const persona of ['admin', 'ops', 'finance', 'provider', 'customer'] as const) expect(await linkUrl(persona)).toContain(`t.me/${USERNAME}?start=`);
    });

    it('ignores webhook calls without the secret token', async () => {
      const before = api.calls.length;
      expect(await deliver(api.messageUpdate(CHAT.customer, '/stop'), null)).toBe(401);
      expect(await deliver(api.messageUpdate(CHAT.customer, '/stop'), 'wrong-secret-0123456789')).toBe(401);
      expect(api.calls.length).toBe(before);
    });
  });

  describe('commands', () => {
    it('/stop turns Telegram off, /start turns it back on', async () => {
      await link('customer');
      expect(await command(CHAT.customer, '/stop')).toEqual([expect.stringContaining('Telegram messages are off')]);
      expect((await userRow('customer')).telegramOffAt).toBeInstanceOf(Date);
      expect(await command(CHAT.customer, '/start')).toEqual([expect.stringContaining('Welcome back')]);
      expect((await userRow('customer')).telegramOffAt).toBeNull();
    });

    it('tells an unlinked chat how to link, in its language', async () => {
      expect(await command(7777, '/bookings')).toEqual([expect.stringContaining('not linked to a Herald account')]);
      expect(await command(7777, '/start', 'ru')).toEqual([expect.stringContaining('не привязан')]);
      expect(await command(7777, 'hello')).toEqual([expect.stringContaining('not linked')]);
    });

    it("/bookings lists the user's upcoming bookings; /help lists the commands", async () => {
      await link('customer');
      const booking = await insertBooking(t);
      const [reply] = await command(CHAT.customer, '/bookings');
      expect(reply).toContain('Your upcoming bookings:');
      expect(reply).toContain('Haircut (Pavel Provider)');
      expect(reply.split('\n').length).toBeGreaterThan(1);
      expect(booking.id).toBeTruthy();
      expect(await command(CHAT.customer, '/help')).toEqual([expect.stringContaining('/bookings')]);
    });

    it("/today gives a provider today's agenda in their time zone, and nobody else", async () => {
      await link('provider');
      await link('customer');
      // 09:00 in Tashkent (UTC+5) on a fixed future day; a booking at 15:00 and one the next day.
      t.clock.travelTo(new Date('2031-03-04T04:00:00Z'));
      await insertBooking(t, { startsAt: new Date('2031-03-04T10:00:00Z'), endsAt: new Date('2031-03-04T10:45:00Z'), serviceName: 'Colouring' });
      await insertBooking(t, { startsAt: new Date('2031-03-05T10:00:00Z'), endsAt: new Date('2031-03-05T10:45:00Z'), serviceName: 'Tomorrow cut' });
      const [agenda] = await command(CHAT.provider, '/today');
      expect(agenda).toContain('Today, Tuesday 4 March:');
      expect(agenda).toContain('15:00–15:45  Colouring — Kamola Customer, Amir Temur Ave 15');
      expect(agenda).not.toContain('Tomorrow cut');
      expect(await command(CHAT.customer, '/today')).toEqual([expect.stringContaining('for service providers')]);
    });
  });

  describe('reminders and buttons', () => {
    /** The sendMessage call that carried a notification, found by the message id on its row. */
    async function sentCall(notificationId: string): Promise<{ call: BotApiCall; chatId: number; messageId: number }> {
      const row = await settled(t, notificationId);
      expect({ status: row.status, lastError: row.lastError }).toEqual({ status: NotificationStatus.sent, lastError: null });
      const [chatId, messageId] = row.providerMessageId!.split(':').map(Number);
      const call = api.callsOf('sendMessage').find((c) => c.reply?.ok && (c.reply.result as { message_id: number }).message_id === messageId)!;
      expect(Number(call.params.chat_id)).toBe(chatId);
      return { call, chatId, messageId };
    }

    it('sends a reminder to the linked chat with Keep it / Cancel booking, and Cancel cancels through the service', async () => {
      await link('customer');
      const booking = await insertBooking(t);
      const row = await insertNotification(t, { booking, channel: NotificationChannel.telegram, type: NotificationType.booking_reminder });
      const { call, chatId, messageId } = await sentCall(row.id);
      expect(chatId).toBe(CHAT.customer);
      expect(call.params).toMatchObject({ parse_mode: 'HTML' });
      // The shipped Telegram card: a bold headline, then a line per fact.
      expect(String(call.params.text)).toMatch(/^<b>⏰ Booking reminder<\/b>\n\n📅 Date: .+\n🕐 Time: \d\d:\d\d–\d\d:\d\d\n/);
      expect(String(call.params.text)).toMatch(/⏳ Time left: \d+ hours/);
      expect(String(call.params.text)).toContain('Address: Amir Temur Ave 15');
      expect(call.params.reply_markup).toEqual({
        inline_keyboard: [
          [
            { text: 'Keep it', callback_data: `b:keep:${booking.id}` },
            { text: 'Cancel booking', callback_data: `b:cancel:${booking.id}` },
          ],
        ],
      });

      // Someone else's chat pressing the same button: refused as not found, nothing changes.
      await link('otherCustomer');
      const before = api.calls.length;
      expect(await deliver(api.buttonUpdate(CHAT.otherCustomer, messageId, `b:cancel:${booking.id}`))).toBe(200);
      const refused = api.calls.slice(before);
      expect(refused.map((c) => c.method)).toEqual(['answerCallbackQuery']);
      expect(refused[0].params.text).toBe('This booking is not available to you.');
      expect((await t.orm.em.fork().findOneOrFail(Booking, { id: booking.id })).status).toBe(BookingStatus.confirmed);

      // The customer's own press: cancelled by the service, as the customer, and the message shows it.
      const mark = api.calls.length;
      expect(await deliver(api.buttonUpdate(chatId, messageId, `b:cancel:${booking.id}`))).toBe(200);
      const em = t.orm.em.fork();
      expect((await em.findOneOrFail(Booking, { id: booking.id })).status).toBe(BookingStatus.cancelled);
      const events = await em.find(BookingEvent, { booking: booking.id, type: BookingEventType.cancelled });
      expect(events.map((event) => event.actor?.id)).toEqual([t.users.customer.id]);
      const after = api.calls.slice(mark);
      expect(after.find((c) => c.method === 'answerCallbackQuery')?.params.text).toBe('❌ Booking cancelled.');
      const edit = after.find((c) => c.method === 'editMessageText')!;
      expect(edit.params).toMatchObject({ chat_id: chatId, message_id: messageId, parse_mode: 'HTML' });
      expect(edit.params.reply_markup).toBeUndefined();
      expect(String(edit.params.text)).toContain('Address: Amir Temur Ave 15');
      expect(String(edit.params.text)).toMatch(/<b>❌ Booking cancelled\.<\/b>$/);

      // The cancellation notices go out meanwhile; once they have, the next press is all the bot does.
      await waitFor('the cancellation notices to be sent', async () => {
        const notices = await t.orm.em
          .fork()
          .find(Notification, { booking: booking.id, type: NotificationType.booking_cancelled, channel: NotificationChannel.telegram });
        return notices.length === 2 && notices.every((notice) => notice.status === NotificationStatus.sent);
      });

      // Pressed again: the service says it is already cancelled.
      const again = api.calls.length;
      await deliver(api.buttonUpdate(chatId, messageId, `b:cancel:${booking.id}`));
      // (The cancellation notices the relay plans meanwhile may be sent in this window too.)
      const answers = api.calls.slice(again).filter((c) => c.method === 'answerCallbackQuery' || c.method === 'editMessageText');
      expect(answers.map((c) => [c.method, c.params.text])).toEqual([['answerCallbackQuery', 'Not possible: the booking is cancelled.']]);
    });

    it("gives the provider's next-booking nudge Completed / No-show, which work once the booking has started", async () => {
      await link('provider');
      const booking = await insertBooking(t);
      const row = await insertNotification(t, { booking, recipient: 'provider', channel: NotificationChannel.telegram, type: NotificationType.provider_next_booking });
      const { call, chatId, messageId } = await sentCall(row.id);
      expect(chatId).toBe(CHAT.provider);
      expect((call.params.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard[0].map((b) => b.callback_data)).toEqual([
        `b:complete:${booking.id}`,
        `b:noshow:${booking.id}`,
      ]);

      const early = api.calls.length;
      await deliver(api.buttonUpdate(chatId, messageId, `b:complete:${booking.id}`));
      expect(api.calls.slice(early).map((c) => [c.method, c.params.text])).toEqual([['answerCallbackQuery', 'The booking has not started yet.']]);

      t.clock.travelTo(new Date(booking.endsAt.getTime() + 60_000));
      const mark = api.calls.length;
      await deliver(api.buttonUpdate(chatId, messageId, `b:complete:${booking.id}`));
      expect((await t.orm.em.fork().findOneOrFail(Booking, { id: booking.id })).status).toBe(BookingStatus.completed);
      const edit = api.calls.slice(mark).find((c) => c.method === 'editMessageText')!;
      expect(String(edit.params.text)).toMatch(/<b>✅ Marked as completed\.<\/b>$/);
    });

    it("refuses a customer's chat pressing a provider's button", async () => {
      await link('customer');
      const booking = await insertBooking(t, { startsAt: new Date(t.clock.now().getTime() - 2 * HOUR), endsAt: new Date(t.clock.now().getTime() - HOUR) });
      const mark = api.calls.length;
      await deliver(api.buttonUpdate(CHAT.customer, 1, `b:noshow:${booking.id}`));
      expect(api.calls.slice(mark).map((c) => [c.method, c.params.text])).toEqual([['answerCallbackQuery', 'You may not do that with this booking.']]);
      expect((await t.orm.em.fork().findOneOrFail(Booking, { id: booking.id })).status).toBe(BookingStatus.confirmed);
    });
  });

  describe('failures', () => {
    it('tries again exactly retry_after after a 429, however long the configured retry delay', async () => {
      await link('otherCustomer');
      api.failNext('sendMessage', tooManyRequests(1));
      const row = await insertNotification(t, { recipient: 'otherCustomer', channel: NotificationChannel.telegram });
      const waiting = await waitFor('the 429 to be recorded', async () => {
        const current = await rowOf(t, row.id);
        return current.attempts === 1 && current.status === NotificationStatus.queued ? current : null;
      });
      expect(waiting.nextAttemptAt!.getTime() - waiting.updatedAt.getTime()).toBe(1000);

      // NOTIFY_RETRY_DELAYS starts at 60 s: a second attempt within the settle timeout is the 1 s Telegram asked for.
      const done = await settled(t, row.id, 10_000);
      expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 2, lastError: expect.stringContaining('rate_limited: 429: Too Many Requests') });
      const sends = api.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === CHAT.otherCustomer && String(c.params.text).includes('<b>⏰ Booking reminder'));
      const [first, second] = sends.slice(-2);
      expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
      expect(done.providerMessageId).toMatch(new RegExp(`^${CHAT.otherCustomer}:\\d+$`));
    });

    it('fails a notification to a chat that blocked the bot at once, and turns Telegram off for that user', async () => {
      await link('ops');
      api.failNext('sendMessage', blockedByUser);
      const row = await insertNotification(t, { recipient: 'ops', channel: NotificationChannel.telegram });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1 });
      expect(done.lastError).toContain('blocked');
      expect((await userRow('ops')).telegramOffAt).toBeInstanceOf(Date);

      // Nothing more goes to that chat.
      const mark = api.calls.length;
      const next = await insertNotification(t, { recipient: 'ops', channel: NotificationChannel.telegram });
      expect((await settled(t, next.id)).status).not.toBe(NotificationStatus.sent);
      expect(api.calls.slice(mark).filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === CHAT.ops)).toEqual([]);
    });
  });
});
