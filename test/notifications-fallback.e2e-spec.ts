import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { BeforeProviderCall, ChannelAddress, ChannelError, ChannelSender, MessageAbout, SendReceipt } from '../src/notifications/channels/channel-sender';
import { DeliveryService } from '../src/notifications/delivery/delivery.service';
import { MaintenanceService } from '../src/notifications/delivery/maintenance.service';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { RenderedMessage } from '../src/notifications/rendering/message-renderer';
import { User } from '../src/users/user.entity';
import { createBooking, dataOf } from './bookings.fixtures';
import { rowOf, settled, sleep, TIMELINE, TimelineRow, waitFor } from './notifications-delivery.fixtures';
import type { Persona, TestApp } from './support/test-app';
import { startTestApp } from './support/test-app';

/** Telegram chat ids the fake sender treats specially; any other chat id is sent to. */
const FAILS_FOR_GOOD = '666';
const ALWAYS_BUSY = '777';

/** A Telegram sender that sends, fails permanently or is always busy, by chat id; it records every call. */
class FakeTelegram extends ChannelSender {
  readonly channel = NotificationChannel.telegram;
  readonly sends: { notificationId: string; to: string }[] = [];

  isConfigured(): boolean {
    return true;
  }

  // Deliberately ignores telegramOffAt: delivery itself must notice a switched-off Telegram.
  // (The chat id column is a bigint, which may arrive as one: compared as text.)
  addressOf(user: { id: string; telegramChatId: string | null; locale: string }): ChannelAddress | null {
    return user.telegramChatId ? { userId: user.id, to: String(user.telegramChatId), locale: user.locale } : null;
  }

  async send(notificationId: string, address: ChannelAddress, _message: RenderedMessage, _about: MessageAbout, beforeProviderCall: BeforeProviderCall): Promise<SendReceipt> {
    await beforeProviderCall();
    this.sends.push({ notificationId, to: address.to });
    if (address.to === FAILS_FOR_GOOD) throw ChannelError.permanent('Forbidden: bot was blocked by the user', 'blocked');
    if (address.to === ALWAYS_BUSY) throw ChannelError.retryable('429 Too Many Requests', undefined, 'http_429');
    return { providerMessageId: `tg-${notificationId}` };
  }
}

async function setTelegram(t: TestApp, persona: Persona, telegramChatId: string | null, telegramOffAt: Date | null = null): Promise<void> {
  await t.orm.em.fork().nativeUpdate(User, { id: t.users[persona].id }, { telegramChatId, telegramOffAt });
}

function rowsOf(t: TestApp, bookingId: string, type: NotificationType, persona: Persona = 'customer'): Promise<Notification[]> {
  return t.orm.em.fork().find(Notification, { booking: bookingId, type, recipient: t.users[persona].id }, { orderBy: { createdAt: 'asc', channel: 'asc' } });
}

/** Waits for the row on `channel` standing in for `previous`, then for it to settle. */
async function fallbackOf(t: TestApp, previous: Notification, channel: NotificationChannel): Promise<Notification> {
  const row = await waitFor(`the ${channel} fallback of ${previous.id}`, () =>
    t.orm.em.fork().findOne(Notification, { fallbackOf: previous.id, channel }),
  );
  return settled(t, row.id);
}

/** A booking starting 63 s from now: its 1-minute reminder is due in about 3 s. */
function soon(t: TestApp): { startsAt: string; endsAt: string } {
  const startsAt = t.clock.now().getTime() + 63_000;
  return { startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 45 * 60_000).toISOString() };
}

describe('notifications: channel fallback (e2e)', () => {
  let t: TestApp;
  let telegram: FakeTelegram;

  beforeAll(async () => {
    telegram = new FakeTelegram();
    t = await startTestApp({
      env: {
        NOTIFY_CHANNELS: 'telegram,email',
        NOTIFY_CHANNELS_BY_TYPE: 'provider_new_booking=telegram',
        NOTIFY_REMINDER_OFFSETS: '1m',
        NOTIFY_RETRY_DELAYS: '100ms',
        NOTIFY_PROMOTE_EVERY: '1s',
      },
      providers: [{ provide: CHANNEL_SENDERS, useValue: [telegram] }],
    });
  });
  afterAll(() => t?.close());

  it('plans email directly for a customer without Telegram, with the in-app copy, and sends it', async () => {
    await setTelegram(t, 'customer', null);
    const booking = await createBooking(t);
    const rows = await rowsOf(t, booking.id, NotificationType.booking_confirmation);
    expect(rows.map((row) => row.channel).sort()).toEqual([NotificationChannel.email, NotificationChannel.in_app]);
    const email = await settled(t, rows.find((row) => row.channel === NotificationChannel.email)!.id);
    expect(email).toMatchObject({ status: NotificationStatus.sent, fallbackOf: null });
    expect(email.providerMessageId).toMatch(/^outbox:/);
  });

  it('skips Telegram switched off after planning (no_address) and sends the email standing in for it; the timeline shows both', async () => {
    await setTelegram(t, 'customer', '1001');
    const booking = await createBooking(t, soon(t));
    const [reminder] = (await rowsOf(t, booking.id, NotificationType.booking_reminder)).filter((row) => row.channel === NotificationChannel.telegram);
    expect(reminder).toMatchObject({ status: NotificationStatus.queued });
    await setTelegram(t, 'customer', '1001', t.clock.now());

    const skipped = await settled(t, reminder.id);
    expect(skipped).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.no_address });
    expect(telegram.sends.filter((send) => send.notificationId === reminder.id)).toEqual([]);

    const email = await fallbackOf(t, reminder, NotificationChannel.email);
    expect(email).toMatchObject({
      status: NotificationStatus.sent,
      type: NotificationType.booking_reminder,
      offsetSeconds: reminder.offsetSeconds,
      bookingVersion: reminder.bookingVersion,
      payload: reminder.payload,
      dedupKey: reminder.dedupKey.replace(':telegram:', ':email:'),
    });
    expect(email.providerMessageId).toMatch(/^outbox:email\//);
    // Due when the fallback was planned, not at the reminder's original moment.
    expect(email.dueAt.getTime()).toBeGreaterThanOrEqual(reminder.dueAt.getTime());

    const timeline = dataOf(await t.gql<{ bookingNotifications: TimelineRow[] }>(TIMELINE, { bookingId: booking.id }, t.tokens.customer)).bookingNotifications;
    const reminders = timeline.filter((row) => row.type === 'booking_reminder');
    expect(reminders.map((row) => [row.channel, row.status, row.reason, row.fallbackOf])).toEqual(
      expect.arrayContaining([
        ['telegram', 'skipped', 'no_address', null],
        ['email', 'sent', null, reminder.id],
        ['in_app', expect.any(String), null, null],
      ]),
    );
    expect(reminders).toHaveLength(3);
  });

  it('falls back to email after a permanent Telegram failure; a replay or an operator retry sends nothing twice', async () => {
    await setTelegram(t, 'customer', FAILS_FOR_GOOD);
    const booking = await createBooking(t);
    const first = (await rowsOf(t, booking.id, NotificationType.booking_confirmation)).find((row) => row.channel === NotificationChannel.telegram)!;
    const failed = await settled(t, first.id);
    expect(failed).toMatchObject({ status: NotificationStatus.failed, attempts: 1, lastError: 'blocked: Forbidden: bot was blocked by the user' });
    const email = await fallbackOf(t, first, NotificationChannel.email);
    expect(email).toMatchObject({ status: NotificationStatus.sent, fallbackOf: first.id });
    expect(email.providerMessageId).toMatch(/^outbox:/);

    const timeline = dataOf(await t.gql<{ bookingNotifications: TimelineRow[] }>(TIMELINE, { bookingId: booking.id }, t.tokens.ops)).bookingNotifications;
    expect(
      timeline
        .filter((row) => row.type === 'booking_confirmation')
        .map((row) => [row.channel, row.status, row.fallbackOf])
        .sort(),
    ).toEqual([
      ['email', 'sent', first.id],
      ['in_app', 'sent', null],
      ['telegram', 'failed', null],
    ]);

    // Replays: delivering it again claims nothing; an operator retry, or the CLI's --retry-failed,
    // is refused, since the email standing in for it reached the person already.
    expect(await t.app.get(DeliveryService).deliver(first.id)).toEqual({ status: 'not_claimed' });
    const refused = await t.gql(`mutation($id: ID!) { retryNotification(id: $id) { id } }`, { id: first.id }, t.tokens.ops);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'FALLBACK_DELIVERED' });
    expect((await t.app.get(MaintenanceService).sendPending({ retryFailed: true, dryRun: true })).wouldSend.map((row) => row.id)).not.toContain(first.id);
    await t.app.get(MaintenanceService).sendPending({ retryFailed: true });
    expect(await rowOf(t, first.id)).toMatchObject({ status: NotificationStatus.failed, attempts: 1 });
    expect(telegram.sends.filter((send) => send.notificationId === first.id)).toHaveLength(1);
    const emails = (await rowsOf(t, booking.id, NotificationType.booking_confirmation)).filter((row) => row.channel === NotificationChannel.email);
    expect(emails.map((row) => row.id)).toEqual([email.id]);
  });

  it('falls back once retries are used up', async () => {
    await setTelegram(t, 'customer', ALWAYS_BUSY);
    const booking = await createBooking(t);
    const first = (await rowsOf(t, booking.id, NotificationType.booking_confirmation)).find((row) => row.channel === NotificationChannel.telegram)!;
    expect(await settled(t, first.id)).toMatchObject({ status: NotificationStatus.failed, attempts: 2, lastError: 'http_429: 429 Too Many Requests' });
    expect(await fallbackOf(t, first, NotificationChannel.email)).toMatchObject({ status: NotificationStatus.sent });
  });

  it("does not fall back after the type's last channel", async () => {
    await setTelegram(t, 'customer', null);
    await setTelegram(t, 'provider', FAILS_FOR_GOOD);
    try {
      const booking = await createBooking(t);
      const notice = (await rowsOf(t, booking.id, NotificationType.provider_new_booking, 'provider')).find((row) => row.channel === NotificationChannel.telegram)!;
      expect(await settled(t, notice.id)).toMatchObject({ status: NotificationStatus.failed });
      await sleep(300);
      const rows = await rowsOf(t, booking.id, NotificationType.provider_new_booking, 'provider');
      expect(rows.map((row) => row.channel).sort()).toEqual([NotificationChannel.in_app, NotificationChannel.telegram]);
    } finally {
      await setTelegram(t, 'provider', null);
    }
  });

  it('records one skipped/no_address row when no channel of the type reaches the recipient', async () => {
    await setTelegram(t, 'provider', null);
    const booking = await createBooking(t);
    const rows = await rowsOf(t, booking.id, NotificationType.provider_new_booking, 'provider');
    expect(rows.map((row) => [row.channel, row.status, row.reason]).sort()).toEqual([
      ['in_app', expect.any(String), null],
      ['telegram', 'skipped', 'no_address'],
    ]);
  });
});

describe('notifications: channel fallback without the in-app copy (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { HERALD_ROLE: 'api', NOTIFY_CHANNELS: 'telegram,email', NOTIFY_IN_APP_COPY: 'false' } });
  });
  afterAll(() => t?.close());

  it('plans only the first reachable external channel', async () => {
    const booking = await createBooking(t);
    const rows = await rowsOf(t, booking.id, NotificationType.booking_confirmation);
    expect(rows.map((row) => row.channel)).toEqual([NotificationChannel.email]);
  });
});
