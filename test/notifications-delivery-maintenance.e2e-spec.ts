import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { MaintenanceService } from '../src/notifications/delivery/maintenance.service';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { NotificationPlanner } from '../src/notifications/planning/notification-planner.service';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import { HOUR, insertBooking, insertNotification, NotificationSpec, permanent, retryable, rowOf, ScriptedSender } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';
import { createBooking } from './bookings.fixtures';

const DAY = 24 * HOUR;

/**
 * Maintenance on an API-only process: no worker consumes the queue and no scheduler ticks, so
 * every change here is the maintenance call's own.
 */
describe('notifications: maintenance (e2e)', () => {
  let t: TestApp;
  let maintenance: MaintenanceService;
  let queue: NotificationQueue;
  let sms: ScriptedSender;

  beforeAll(async () => {
    sms = new ScriptedSender(() => t.clock.now().getTime());
    t = await startTestApp({ env: { HERALD_ROLE: 'api' }, providers: [{ provide: CHANNEL_SENDERS, useValue: [sms] }] });
    maintenance = t.app.get(MaintenanceService);
    queue = t.app.get(NotificationQueue);
  });
  afterAll(() => t?.close());
  beforeEach(async () => {
    t.clock.reset();
    await execute(`delete from "notifications"`);
  });

  const execute = (sql: string, params: unknown[] = []) => t.orm.em.getConnection().execute(sql, params);
  const snapshot = () => execute(`select * from "notifications" order by "id"`);
  /** A row with no job yet, as after a lost Redis or before promotion. */
  const bare = (spec: NotificationSpec) => insertNotification(t, { ...spec, status: spec.status ?? NotificationStatus.planned });
  const setStatus = (row: Notification, status: NotificationStatus, extra = '') =>
    execute(`update "notifications" set "status" = ?${extra} where "id" = ?`, [status, row.id]);

  describe('promote', () => {
    it('queues planned rows due within the horizon and leaves later ones planned; Redis holds nothing for them', async () => {
      const soon = await bare({ dueInMs: HOUR });
      const later = await bare({ dueInMs: 2 * DAY });
      expect(await maintenance.promote()).toBe(1);
      expect(await rowOf(t, soon.id)).toMatchObject({ status: NotificationStatus.queued });
      expect(await rowOf(t, later.id)).toMatchObject({ status: NotificationStatus.planned });
      expect(await maintenance.promote()).toBe(0);
      expect(await queue.backlog(NotificationChannel.sms)).toBe(0);
    });

    it('works through more rows than one statement takes', async () => {
      await execute(
        `insert into "notifications" ("id", "created_at", "updated_at", "recipient_id", "type", "channel", "offset_seconds", "due_at", "status", "attempts", "payload", "dedup_key")
         select gen_random_uuid(), now(), now(), ?, 'booking_reminder', 'sms', 0, ?, 'planned', 0, '{}', 'promote-' || n from generate_series(1, 2500) n`,
        [t.users.customer.id, new Date(t.clock.now().getTime() + HOUR)],
      );
      expect(await maintenance.promote()).toBe(2500);
    });
  });

  describe('reconcile', () => {
    it('promotes, and puts back a send whose lease ran out, and only that one', async () => {
      const stale = await bare({ status: NotificationStatus.sending });
      const fresh = await bare({ status: NotificationStatus.sending });
      const entering = await bare({ dueInMs: HOUR });
      await execute(`update "notifications" set "lease_until" = ? where "id" = ?`, [new Date(t.clock.now().getTime() - 1000), stale.id]);
      await execute(`update "notifications" set "lease_until" = ? where "id" = ?`, [new Date(t.clock.now().getTime() + 60_000), fresh.id]);
      expect(await maintenance.reconcile()).toEqual({ promoted: 1, interrupted: 1 });
      expect(await rowOf(t, stale.id)).toMatchObject({ status: NotificationStatus.queued, leaseUntil: null });
      expect(await rowOf(t, fresh.id)).toMatchObject({ status: NotificationStatus.sending });
      expect(await rowOf(t, entering.id)).toMatchObject({ status: NotificationStatus.queued });
      expect(await maintenance.reconcile()).toEqual({ promoted: 0, interrupted: 0 });
    });
  });

  describe('sendPending', () => {
    it('in a dry run lists what would be sent and changes nothing', async () => {
      const due = [await bare({ dueInMs: -2000 }), await bare({ dueInMs: -1000, status: NotificationStatus.queued })];
      await bare({ dueInMs: HOUR, status: NotificationStatus.queued });
      const failedOnce = await bare({ dueInMs: -3000 });
      await setStatus(failedOnce, NotificationStatus.failed, `, "attempts" = 1`);
      const exhausted = await bare({ dueInMs: -3000 });
      await setStatus(exhausted, NotificationStatus.failed, `, "attempts" = 4`);
      const before = await snapshot();

      const plain = await maintenance.sendPending({ dryRun: true });
      expect(plain).toMatchObject({ considered: 2, sent: 0, failed: 0, skipped: 0, retried: 0, requeued: 0 });
      expect(plain.wouldSend.map((item) => item.id)).toEqual(due.map((row) => row.id));
      expect(plain.wouldSend[0]).toEqual({ id: due[0].id, type: NotificationType.booking_reminder, channel: NotificationChannel.sms, recipientId: t.users.customer.id, dueAt: due[0].dueAt });

      const withFailed = await maintenance.sendPending({ dryRun: true, retryFailed: true, max: 10 });
      expect(withFailed).toMatchObject({ considered: 3, requeued: 1 });
      expect(withFailed.wouldSend.map((item) => item.id)).toEqual([failedOnce.id, ...due.map((row) => row.id)]);

      expect(await snapshot()).toEqual(before);
      expect(sms.sends).toHaveLength(0);
    });

    it('delivers due rows in-process, up to max, and tallies what happened', async () => {
      const cancelled = await insertBooking(t, { status: BookingStatus.cancelled });
      const ok = await bare({ dueInMs: -5000 });
      const skipped = await bare({ dueInMs: -4000, booking: cancelled });
      const failing = await bare({ dueInMs: -3000 });
      const flaky = await bare({ dueInMs: -2000 });
      const leftOver = await bare({ dueInMs: -1000 });
      sms.script(failing.id, [permanent()]);
      sms.script(flaky.id, [retryable()]);

      const summary = await maintenance.sendPending({ max: 4 });
      expect(summary).toEqual({ considered: 4, sent: 1, skipped: 1, failed: 1, retried: 1, requeued: 0, wouldSend: [] });
      expect(await rowOf(t, ok.id)).toMatchObject({ status: NotificationStatus.sent, attempts: 1 });
      expect(await rowOf(t, skipped.id)).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.booking_cancelled });
      expect(await rowOf(t, failing.id)).toMatchObject({ status: NotificationStatus.failed, attempts: 1 });
      const retrying = await rowOf(t, flaky.id);
      expect(retrying).toMatchObject({ status: NotificationStatus.queued, attempts: 1 });
      // 60 s by the default delays; the dispatcher takes it then.
      expect(retrying.nextAttemptAt!.getTime() - t.clock.now().getTime()).toBeGreaterThan(55_000);
      expect(await rowOf(t, leftOver.id)).toMatchObject({ status: NotificationStatus.planned });

      // With retryFailed, the permanently failed one (attempts left) gets another go.
      const again = await maintenance.sendPending({ retryFailed: true });
      expect(again).toMatchObject({ requeued: 1, considered: 2, sent: 2 });
      expect(await rowOf(t, failing.id)).toMatchObject({ status: NotificationStatus.sent, attempts: 2 });
      expect(await rowOf(t, leftOver.id)).toMatchObject({ status: NotificationStatus.sent });
    });
  });

  describe('cleanup', () => {
    /** A row finished (sent, cancelled, skipped…) at `at`, due then too, of `booking` (null: keyed by day, like an agenda). */
    async function finished(status: NotificationStatus, booking: Booking | null, at: Date, type = NotificationType.booking_reminder): Promise<Notification> {
      const row = await bare({ booking, type, dueInMs: at.getTime() - t.clock.now().getTime() });
      await execute(`update "notifications" set "status" = ?, "updated_at" = ?, "sent_at" = ? where "id" = ?`, [
        status,
        at,
        status === NotificationStatus.sent ? at : null,
        row.id,
      ]);
      return row;
    }
    /** A booking that ended `daysAgo` days before the clock's now (negative: still ahead). */
    const endedDaysAgo = (daysAgo: number) => {
      const endsAt = new Date(t.clock.now().getTime() - daysAgo * DAY);
      return insertBooking(t, { startsAt: new Date(endsAt.getTime() - HOUR), endsAt });
    };
    const remainingIds = async () => ((await execute(`select "id" from "notifications"`)) as { id: string }[]).map((row) => row.id).sort();

    it('deletes sent, cancelled and skipped rows only once they and their booking are older than the retention period', async () => {
      const old = new Date(t.clock.now().getTime() - 91 * DAY);
      const recent = new Date(t.clock.now().getTime() - 10 * DAY);
      const longEnded = await endedDaysAgo(91);
      const rows = {
        oldSent: await finished(NotificationStatus.sent, longEnded, old),
        oldCancelled: await finished(NotificationStatus.cancelled, longEnded, old),
        oldSkipped: await finished(NotificationStatus.skipped, longEnded, old),
        oldAgenda: await finished(NotificationStatus.sent, null, old, NotificationType.provider_daily_agenda),
        oldFailed: await finished(NotificationStatus.failed, longEnded, old),
        oldQueued: await finished(NotificationStatus.queued, longEnded, old),
        recentSent: await finished(NotificationStatus.sent, longEnded, recent),
        recentAgenda: await finished(NotificationStatus.sent, null, recent, NotificationType.provider_daily_agenda),
        // Sent long ago, but planning could still plan them again: their booking has not ended long enough.
        bookingAhead: await finished(NotificationStatus.sent, await endedDaysAgo(-30), old, NotificationType.booking_confirmation),
        bookingEndedRecently: await finished(NotificationStatus.sent, await endedDaysAgo(10), old, NotificationType.booking_confirmation),
      };
      // Sent recently though last touched long ago (e.g. read): kept by its sending time.
      await execute(`update "notifications" set "updated_at" = ?, "due_at" = ? where "id" = ?`, [old, old, rows.recentSent.id]);

      expect(await maintenance.cleanup()).toBe(4);
      const kept = [rows.oldFailed, rows.oldQueued, rows.recentSent, rows.recentAgenda, rows.bookingAhead, rows.bookingEndedRecently];
      expect(await remainingIds()).toEqual(kept.map((row) => row.id).sort());
      expect(await maintenance.cleanup()).toBe(0);
    });

    it('deletes in batches until nothing old is left', async () => {
      const booking = await endedDaysAgo(100);
      const old = new Date(t.clock.now().getTime() - 100 * DAY);
      await execute(
        `insert into "notifications" ("id", "created_at", "updated_at", "recipient_id", "booking_id", "type", "channel", "due_at", "status", "sent_at", "payload", "dedup_key")
         select gen_random_uuid(), ?, ?, ?, ?, 'booking_reminder', 'sms', ?, 'sent', ?, '{}', 'cleanup-batch:' || n from generate_series(1, 2500) as n`,
        [old, old, t.users.customer.id, booking.id, old, old],
      );
      expect(await maintenance.cleanup()).toBe(2500);
      expect(await remainingIds()).toEqual([]);
    });

    it('keeps the sent confirmation of a booking still ahead past the retention, so schedule-all does not send it again', async () => {
      const planner = t.app.get(NotificationPlanner);
      const startsAt = new Date(t.clock.now().getTime() + 120 * DAY);
      const booking = await createBooking(t, { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + HOUR).toISOString() });
      const confirmations = async () =>
        (await execute(`select "id", "status" from "notifications" where "booking_id" = ? and "type" = ? order by "id"`, [
          booking.id,
          NotificationType.booking_confirmation,
        ])) as { id: string; status: string }[];
      await maintenance.sendPending();
      const sent = await confirmations();
      // Email and the in-app copy.
      expect(sent.map((row) => row.status)).toEqual([NotificationStatus.sent, NotificationStatus.sent]);

      t.clock.travel(91 * DAY);
      await maintenance.cleanup();
      const replanned = await planner.scheduleAll({ daysAhead: 30, dryRun: false });

      expect(replanned.rows.filter((row) => row.type === NotificationType.booking_confirmation)).toEqual([]);
      expect(await confirmations()).toEqual(sent);
    });
  });
});
