import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BookingStatus } from '../src/bookings/booking.entity';
import { LiveEvents } from '../src/core/graphql/live-events';
import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { OutboxReader } from '../src/notifications/channels/outbox';
import { DeliveryService } from '../src/notifications/delivery/delivery.service';
import {
  Notification,
  NotificationChannel,
  NotificationReason,
  NotificationReceived,
  notificationReceivedTopic,
  NotificationStatus,
  NotificationType,
} from '../src/notifications/notification.entity';
import { createBooking } from './bookings.fixtures';
import { HOUR, insertBooking, insertNotification, permanent, retryable, rowOf, ScriptedSender, settled, sleep, waitFor } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const RECEIVED = `subscription { notificationReceived { id status channel subject body sentAt } }`;

describe('notifications: delivery (e2e)', () => {
  let t: TestApp;
  let outboxDir: string;
  let sms: ScriptedSender;

  beforeAll(async () => {
    outboxDir = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
    sms = new ScriptedSender(() => t.clock.now().getTime());
    t = await startTestApp({
      env: { NOTIFY_RETRY_DELAYS: '200ms,400ms,800ms', NOTIFY_PROMOTE_EVERY: '1s', OUTBOX_DIR: outboxDir },
      providers: [{ provide: CHANNEL_SENDERS, useValue: [sms] }],
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  describe('in-app', () => {
    it('delivers a notification due in 2 s and announces it on the subscription within 1 s of its due time', async () => {
      const graphql = await t.subscribe<{ notificationReceived: Pick<Notification, 'id' | 'status' | 'subject' | 'body'> }>(RECEIVED, {}, t.tokens.customer);
      const stranger = await t.subscribe(RECEIVED, {}, t.tokens.otherCustomer);
      const live = t.app.get(LiveEvents).subscribe<NotificationReceived>(notificationReceivedTopic(t.users.customer.id));
      const firstLive = live.next();
      try {
        const row = await insertNotification(t, { channel: NotificationChannel.in_app, dueInMs: 2000 });
        const due = row.dueAt.getTime();

        const event = await graphql.next(5000);
        const arrivedAfterDue = t.clock.now().getTime() - due;
        expect(event.errors).toBeUndefined();
        expect(event.data!.notificationReceived).toMatchObject({ id: row.id, status: 'sent', subject: expect.stringContaining('Haircut') });
        expect(event.data!.notificationReceived.body).toContain('Address: Amir Temur Ave 15');
        expect(arrivedAfterDue).toBeGreaterThanOrEqual(0);
        expect(arrivedAfterDue).toBeLessThan(1000);

        const { value } = await firstLive;
        expect(value).toEqual({ notificationId: row.id, recipientId: t.users.customer.id });
        await expect(stranger.next(300)).rejects.toThrow('no subscription event');

        const stored = await rowOf(t, row.id);
        expect(stored).toMatchObject({ status: NotificationStatus.sent, attempts: 1, providerMessageId: null, lastError: null, nextAttemptAt: null });
        expect(stored.sentAt!.getTime()).toBeGreaterThanOrEqual(due);
        expect(stored.subject).toBe(event.data!.notificationReceived.subject);
      } finally {
        await graphql.close();
        await stranger.close();
        await live.return?.();
      }
    });

    it('promotes a planned notification into the queue on the scheduler tick and delivers it', async () => {
      const row = await insertNotification(t, { channel: NotificationChannel.in_app, status: NotificationStatus.planned, dueInMs: 500 });
      const done = await settled(t, row.id, 5000);
      expect(done.status).toBe(NotificationStatus.sent);
    });

    it('plans and delivers the confirmation of a booking created over GraphQL', async () => {
      const inbox = await t.subscribe<{ notificationReceived: { id: string; status: string; subject: string } }>(RECEIVED, {}, t.tokens.customer);
      try {
        const booking = await createBooking(t);
        const event = await inbox.next(5000);
        expect(event.data!.notificationReceived).toMatchObject({ status: 'sent', subject: expect.stringContaining('Booking registered: Haircut') });
        const em = t.orm.em.fork();
        const confirmations = await em.find(Notification, { booking: booking.id, type: NotificationType.booking_confirmation });
        expect(confirmations.map((row) => row.channel).sort()).toEqual([NotificationChannel.email, NotificationChannel.in_app]);
        const email = await settled(t, confirmations.find((row) => row.channel === NotificationChannel.email)!.id);
        expect(email).toMatchObject({ status: NotificationStatus.sent, providerMessageId: `outbox:email/${email.id}.json` });
      } finally {
        await inbox.close();
      }
    });
    it('records and announces an in-app batch only while the dispatcher lease it was handed out under still holds', async () => {
      const row = await insertNotification(t, { channel: NotificationChannel.in_app, dueInMs: 0 });
      const lease = (offsetMs: number) => new Date(t.clock.now().getTime() + offsetMs);
      const handedOut = lease(60_000);
      const handedOutAgain = lease(70_000);
      await t.orm.em.fork().nativeUpdate(Notification, { id: row.id }, { status: NotificationStatus.sending, leaseUntil: handedOut });
      const delivery = t.app.get(DeliveryService);
      const publish = jest.spyOn(t.app.get(LiveEvents), 'publish');
      const original = delivery.writeSent.bind(delivery);
      // The lease runs out and another dispatcher hands the row out again while this batch renders it.
      const writeSent = jest.spyOn(delivery, 'writeSent').mockImplementationOnce(async (...args) => {
        await t.orm.em.fork().nativeUpdate(Notification, { id: row.id }, { leaseUntil: handedOutAgain });
        return original(...args);
      });
      const announced = () => publish.mock.calls.filter(([, event]) => (event as NotificationReceived).notificationId === row.id).length;
      try {
        expect(await delivery.deliverBatch(NotificationChannel.in_app, { ids: [row.id], lease: handedOut.getTime() })).toEqual([{ status: 'not_claimed' }]);
        expect(await rowOf(t, row.id)).toMatchObject({ status: NotificationStatus.sending, attempts: 0, leaseUntil: handedOutAgain });
        expect(announced()).toBe(0);

        expect(await delivery.deliverBatch(NotificationChannel.in_app, { ids: [row.id], lease: handedOutAgain.getTime() })).toEqual([{ status: 'sent' }]);
        expect(await rowOf(t, row.id)).toMatchObject({ status: NotificationStatus.sent, attempts: 1, leaseUntil: null });
        expect(announced()).toBe(1);
        // A batch holding a lease that is gone reads nothing.
        expect(await delivery.deliverBatch(NotificationChannel.in_app, { ids: [row.id], lease: handedOut.getTime() })).toEqual([]);
      } finally {
        writeSent.mockRestore();
        publish.mockRestore();
      }
    });
  });

  describe('timing', () => {
    it('sends a row when it falls due, not before, with one attempt', async () => {
      const row = await insertNotification(t, { dueInMs: 1500 });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 1 });
      expect(sms.sendsOf(row.id)).toHaveLength(1);
      expect(sms.sendsOf(row.id)[0].at).toBeGreaterThanOrEqual(row.dueAt.getTime());
    });

    it('sends a notification made due by moving the clock, by the next dispatcher poll', async () => {
      const row = await insertNotification(t, { dueInMs: 2 * HOUR });
      t.clock.travel(2 * HOUR);
      try {
        const done = await settled(t, row.id, 5000);
        expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 1 });
      } finally {
        t.clock.reset();
      }
    });
  });

  describe('send-time check', () => {
    it('skips a reminder whose booking moved since it was planned', async () => {
      const booking = await insertBooking(t);
      const row = await insertNotification(t, { booking, dueInMs: 300 });
      // The booking changes before planning has caught up with it.
      await t.orm.em.fork().nativeUpdate('Booking', { id: booking.id }, { startsAt: new Date(booking.startsAt.getTime() + HOUR), endsAt: new Date(booking.endsAt.getTime() + HOUR) });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.booking_changed, sentAt: null });
      expect(sms.sendsOf(row.id)).toHaveLength(0);
    });

    it('skips a reminder of a cancelled booking, but sends its cancellation notice', async () => {
      const booking = await insertBooking(t);
      const reminder = await insertNotification(t, { booking, dueInMs: 300 });
      const notice = await insertNotification(t, { booking, type: NotificationType.booking_cancelled, dueInMs: 300 });
      await t.orm.em.fork().nativeUpdate('Booking', { id: booking.id }, { status: BookingStatus.cancelled, cancelledAt: new Date() });
      expect(await settled(t, reminder.id)).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.booking_cancelled });
      expect(await settled(t, notice.id)).toMatchObject({ status: NotificationStatus.sent });
      expect(sms.sendsOf(reminder.id)).toHaveLength(0);
      expect(sms.sendsOf(notice.id)).toHaveLength(1);
    });

    it('skips a cancellation notice of a booking that is not cancelled', async () => {
      const row = await insertNotification(t, { type: NotificationType.booking_cancelled });
      expect(await settled(t, row.id)).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.booking_changed });
    });

    it('skips a channel the recipient has no address on', async () => {
      const row = await insertNotification(t, { channel: NotificationChannel.telegram });
      expect(await settled(t, row.id)).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.no_address });
    });

    it("sends the provider's agenda with that day's bookings, and skips one for a day without any", async () => {
      const first = await insertBooking(t);
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tashkent' }).format(first.startsAt);
      const agenda = await insertNotification(t, { booking: null, recipient: 'provider', type: NotificationType.provider_daily_agenda, payload: { agendaDate: day } });
      const empty = await insertNotification(t, { booking: null, recipient: 'provider', type: NotificationType.provider_daily_agenda, payload: { agendaDate: '2099-01-01' } });
      const sent = await settled(t, agenda.id);
      expect(sent.status).toBe(NotificationStatus.sent);
      expect(sent.body).toContain('Haircut — Kamola Customer');
      expect(await settled(t, empty.id)).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.no_bookings });
    });
  });

  describe('failures and retries', () => {
    it('retries a retryable failure, and an unexpected error, then succeeds', async () => {
      const row = await insertNotification(t);
      sms.script(row.id, [retryable(), new Error('socket hang up')]);
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 3, providerMessageId: `sms-${row.id}`, nextAttemptAt: null });
      expect(done.lastError).toBe('socket hang up');
      const [first, second, third] = sms.sendsOf(row.id).map((send) => send.at);
      // 200 ms after the first failure, 400 ms after the second.
      expect(second - first).toBeGreaterThanOrEqual(200);
      expect(third - second).toBeGreaterThanOrEqual(400);
    });

    it('fails once the retries are used up', async () => {
      const row = await insertNotification(t);
      sms.script(row.id, [retryable(), retryable(), retryable(), retryable('504 Gateway Timeout')]);
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 4, lastError: 'http_503: 504 Gateway Timeout', sentAt: null, nextAttemptAt: null });
      await sleep(500);
      expect(sms.sendsOf(row.id)).toHaveLength(4);
    });

    it('fails at once on a permanent failure', async () => {
      const row = await insertNotification(t);
      sms.script(row.id, [permanent()]);
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1, lastError: 'invalid_address: number is not reachable' });
      await sleep(500);
      expect(sms.sendsOf(row.id)).toHaveLength(1);
    });

    it("waits the channel's retry-after when it is longer than the retry delay", async () => {
      const row = await insertNotification(t);
      sms.script(row.id, [retryable('429 Too Many Requests', 1500)]);
      const waiting = await waitFor('the retry to be scheduled', async () => {
        const current = await rowOf(t, row.id);
        return current.status === NotificationStatus.queued && current.nextAttemptAt ? current : null;
      });
      expect(waiting.lastError).toBe('http_503: 429 Too Many Requests');
      const done = await settled(t, row.id);
      expect(done.status).toBe(NotificationStatus.sent);
      const [first, second] = sms.sendsOf(row.id).map((send) => send.at);
      expect(second - first).toBeGreaterThanOrEqual(1500);
    });
  });

  describe('outbox', () => {
    it('writes an email to the outbox when no SMTP is configured and records where', async () => {
      const row = await insertNotification(t, { channel: NotificationChannel.email });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.sent, providerMessageId: `outbox:email/${row.id}.json` });
      const file = JSON.parse(readFileSync(join(outboxDir, 'email', `${row.id}.json`), 'utf8'));
      // The shipped email template is plain text: the SMTP sender builds its HTML part; the outbox keeps what was rendered.
      expect(file).toMatchObject({ to: 'customer@herald.test', subject: done.subject, text: done.body, html: null });
      expect(new Date(file.createdAt).getTime()).toBeLessThanOrEqual(done.sentAt!.getTime());

      const listed = await t.app.get(OutboxReader).list({ channel: NotificationChannel.email });
      expect(listed.find((entry) => entry.notificationId === row.id)).toMatchObject({ to: 'customer@herald.test', providerMessageId: done.providerMessageId });
    });

    it('fails an unconfigured channel permanently in production, writing nothing', async () => {
      const productionOutbox = mkdtempSync(join(tmpdir(), 'herald-outbox-prod-'));
      const production = await startTestApp({ env: { NODE_ENV: 'production', OUTBOX_DIR: productionOutbox } });
      try {
        const row = await insertNotification(production, { channel: NotificationChannel.email });
        const done = await settled(production, row.id);
        expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1, lastError: 'channel_not_configured: channel not configured', sentAt: null });
        expect(existsSync(join(productionOutbox, 'email'))).toBe(false);
      } finally {
        await production.close();
        rmSync(productionOutbox, { recursive: true, force: true });
      }
    });
  });
});
