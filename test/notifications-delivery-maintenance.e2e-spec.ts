import { BookingStatus } from '../src/bookings/booking.entity';
import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { MaintenanceService } from '../src/notifications/delivery/maintenance.service';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import { HOUR, insertBooking, insertNotification, NotificationSpec, permanent, retryable, rowOf, ScriptedSender } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

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
        `insert into "notifications" ("id", "created_at", "updated_at", "recipient_id", "type", "channel", "offset_minutes", "due_at", "status", "attempts", "payload", "dedup_key")
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
    it('deletes only sent, cancelled and skipped rows older than the retention period', async () => {
      const old = new Date(t.clock.now().getTime() - 91 * DAY);
      const recent = new Date(t.clock.now().getTime() - 10 * DAY);
      const rows: Record<string, Notification> = {};
      for (const [name, status, at] of [
        ['oldSent', NotificationStatus.sent, old],
        ['oldCancelled', NotificationStatus.cancelled, old],
        ['oldSkipped', NotificationStatus.skipped, old],
        ['oldFailed', NotificationStatus.failed, old],
        ['oldQueued', NotificationStatus.queued, old],
        ['recentSent', NotificationStatus.sent, recent],
      ] as const) {
        rows[name] = await bare({});
        await execute(`update "notifications" set "status" = ?, "updated_at" = ?, "sent_at" = ? where "id" = ?`, [
          status,
          at,
          status === NotificationStatus.sent ? at : null,
          rows[name].id,
        ]);
      }
      // Sent recently though last touched long ago (e.g. read): kept by its sending time.
      await execute(`update "notifications" set "updated_at" = ? where "id" = ?`, [old, rows.recentSent.id]);

      expect(await maintenance.cleanup()).toBe(3);
      const left = (await execute(`select "id" from "notifications"`)) as { id: string }[];
      expect(left.map((row) => row.id).sort()).toEqual([rows.oldFailed.id, rows.oldQueued.id, rows.recentSent.id].sort());
      expect(await maintenance.cleanup()).toBe(0);
    });
  });
});
