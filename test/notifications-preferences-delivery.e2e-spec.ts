import { BookingStatus } from '../src/bookings/booking.entity';
import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { HOUR, insertBooking, insertNotification, rowOf, ScriptedSender, settled, waitFor } from './notifications-delivery.fixtures';
import { setPreferences } from './preferences.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const MINUTE = 60_000;
const NIGHT = { start: '22:00', end: '07:00' };

describe('notifications: preferences at send time (e2e)', () => {
  let t: TestApp;
  let sms: ScriptedSender;

  beforeAll(async () => {
    sms = new ScriptedSender(() => t.clock.now().getTime());
    // SMS first, then email (written to the test's outbox); no Telegram.
    t = await startTestApp({ env: { NOTIFY_CHANNELS: 'sms,email', NOTIFY_PROMOTE_EVERY: '1s' }, providers: [{ provide: CHANNEL_SENDERS, useValue: [sms] }] });
  });
  afterAll(() => t?.close());

  /** Waits until delivery has put the row back for later, and returns it. */
  const deferred = (id: string) =>
    waitFor(`notification ${id} to be deferred`, async () => {
      const row = await rowOf(t, id);
      return row.status === NotificationStatus.queued && row.nextAttemptAt ? row : null;
    });

  it('skips a type the recipient opted out of after it was planned', async () => {
    await setPreferences(t, t.tokens.provider, { types: [{ type: 'provider_next_booking', enabled: false }] });
    const row = await insertNotification(t, { recipient: 'provider', type: NotificationType.provider_next_booking });
    expect(await settled(t, row.id)).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    expect(sms.sendsOf(row.id)).toEqual([]);
  });

  it('treats a channel switched off since planning as unreachable: the next channel of the order sends it', async () => {
    await setPreferences(t, t.tokens.otherProvider, { channels: [{ channel: 'sms', enabled: false }] });
    const row = await insertNotification(t, { recipient: 'otherProvider', type: NotificationType.provider_next_booking, channel: NotificationChannel.sms });
    expect(await settled(t, row.id)).toMatchObject({ status: 'skipped', reason: 'no_address' });
    const fallback = await waitFor('the email fallback', () => t.orm.em.fork().findOne(Notification, { fallbackOf: row.id }));
    expect(await settled(t, fallback.id)).toMatchObject({ channel: 'email', status: 'sent' });
    expect(sms.sendsOf(row.id)).toEqual([]);
  });

  describe('quiet hours', () => {
    afterEach(() => t.clock.reset());

    it("defers to the end of the quiet period in the recipient's zone, across the DST change (America/New_York, 8 March 2026), counting no attempt", async () => {
      await setPreferences(t, t.tokens.otherCustomer, { timezone: 'America/New_York', quietHours: NIGHT });
      // 23:00 EST on 7 March. The night ends at 07:00 EDT = 11:00Z, seven hours later (eight on other nights).
      t.clock.travelTo(new Date('2026-03-08T04:00:00Z'));
      const row = await insertNotification(t, { recipient: 'otherCustomer', type: NotificationType.booking_reminder });
      const waiting = await deferred(row.id);
      expect(waiting).toMatchObject({ attempts: 0, nextAttemptAt: new Date('2026-03-08T11:00:00Z') });
      expect(sms.sendsOf(row.id)).toEqual([]);

      t.clock.travelTo(new Date('2026-03-08T11:00:01Z'));
      expect(await settled(t, row.id)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(sms.sendsOf(row.id)).toHaveLength(1);
    });

    it('sends a reminder now as the last one when the quiet period ends after the start; the others held back are skipped', async () => {
      await setPreferences(t, t.tokens.finance, { timezone: 'America/New_York', quietHours: NIGHT });
      // 03:00 EST; the booking starts at 06:00 EST, before the night ends.
      t.clock.travelTo(new Date('2031-01-15T08:00:00Z'));
      const booking = await insertBooking(t, { startsAt: new Date('2031-01-15T11:00:00Z'), endsAt: new Date('2031-01-15T12:00:00Z') });
      const spec = { booking, recipient: 'finance' as const, type: NotificationType.booking_reminder };
      // An earlier reminder still waiting for a retry, and a later one not yet due, with its in-app copy.
      const earlier = await insertNotification(t, { ...spec, dueInMs: -MINUTE, nextAttemptInMs: HOUR });
      const later = await insertNotification(t, { ...spec, dueInMs: 2 * HOUR });
      const laterInApp = await insertNotification(t, { ...spec, dueInMs: 2 * HOUR, channel: NotificationChannel.in_app });
      const now = await insertNotification(t, spec);

      expect(await settled(t, now.id)).toMatchObject({ status: 'sent' });
      expect(sms.sendsOf(now.id)).toHaveLength(1);
      for (const held of [earlier, later]) expect(await rowOf(t, held.id)).toMatchObject({ status: 'skipped', reason: 'quiet_hours' });
      // The inbox never rings: its copy keeps its time.
      expect((await rowOf(t, laterInApp.id)).status).toBe(NotificationStatus.queued);
    });

    it('sends one reminder when the night ends, not one per reminder held back', async () => {
      await setPreferences(t, t.tokens.ops, { timezone: 'America/New_York', quietHours: NIGHT });
      // 01:00 EST; the night ends at 07:00 EST (12:00Z); the booking starts at 10:00 EST.
      t.clock.travelTo(new Date('2031-01-20T06:00:00Z'));
      const booking = await insertBooking(t, { startsAt: new Date('2031-01-20T15:00:00Z'), endsAt: new Date('2031-01-20T16:00:00Z') });
      const spec = { booking, recipient: 'ops' as const, type: NotificationType.booking_reminder };
      const first = await insertNotification(t, spec);
      const second = await insertNotification(t, { ...spec, dueInMs: 2 * HOUR });
      expect(await deferred(first.id)).toMatchObject({ nextAttemptAt: new Date('2031-01-20T12:00:00Z') });
      expect(await rowOf(t, second.id)).toMatchObject({ status: 'skipped', reason: 'quiet_hours' });

      t.clock.travelTo(new Date('2031-01-20T12:00:01Z'));
      expect(await settled(t, first.id)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(sms.sendsOf(first.id)).toHaveLength(1);
      expect(sms.sendsOf(second.id)).toEqual([]);
    });

    it('lets critical types through at once, while others wait', async () => {
      await setPreferences(t, t.tokens.admin, { timezone: 'Asia/Tashkent', quietHours: { start: '12:00', end: '18:00' } });
      // 15:00 in Tashkent.
      t.clock.travelTo(new Date('2031-02-01T10:00:00Z'));
      const cancelled = await insertBooking(t, { status: BookingStatus.cancelled });
      const critical = await insertNotification(t, { booking: cancelled, recipient: 'admin', type: NotificationType.booking_cancelled });
      const ordinary = await insertNotification(t, { recipient: 'admin', type: NotificationType.booking_confirmation });
      expect(await settled(t, critical.id)).toMatchObject({ status: 'sent' });
      expect(await deferred(ordinary.id)).toMatchObject({ attempts: 0, nextAttemptAt: new Date('2031-02-01T13:00:00Z') });
    });
  });
});
