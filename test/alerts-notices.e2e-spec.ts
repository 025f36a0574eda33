import { AlertNotice, Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { DeliveryService } from '../src/notifications/delivery/delivery.service';
import { NotificationPlanner } from '../src/notifications/planning/notification-planner.service';
import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { Payment, PaymentStatus } from '../src/bookings/payment.entity';
import { User } from '../src/users/user.entity';
import { dataOf } from './bookings.fixtures';
import { HOUR, insertBooking } from './notifications-delivery.fixtures';
import { Persona, startTestApp, TestApp } from './support/test-app';

const SCAN = `mutation($type: AlertType!) { runAlertScan(type: $type) { raised escalated resolved } }`;
const ALERTS = `query { alerts(page: { first: 100 }) { nodes { id dedupKey status severity noticesSent lastNoticeAt } } }`;
const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id) { id noticesSent } }`;
const RESOLVE = `mutation($id: ID!) { resolveAlert(id: $id, note: "done") { id status noticesSent } }`;
const IGNORE = `mutation($id: ID!, $until: DateTime!) { ignoreAlert(id: $id, until: $until, reason: "known") { id } }`;
const RAISE = `mutation { raiseAlert(input: { severity: critical, title: "Card terminal down", description: "Payments fail at the front desk" }) { id noticesSent } }`;

interface Notice {
  id: string;
  recipient: string;
  channel: NotificationChannel;
  status: NotificationStatus;
  reason: NotificationReason | null;
  kind: string;
}

describe('staff notices and completion reminders (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No scheduler and no worker: scans and sends run when a test says so.
    t = await startTestApp({ env: { HERALD_ROLE: 'api', ALERT_REPEAT: 'critical=1h,high=4h', NOTIFY_COMPLETION_HOURS: '8,14,18' } });
  });
  afterAll(() => t?.close());

  const scan = async (type: string) => dataOf(await t.gql<{ runAlertScan: Record<string, number> }>(SCAN, { type }, t.tokens.admin)).runAlertScan;
  const alertOf = async (dedupKey: string) =>
    dataOf(await t.gql<{ alerts: { nodes: { id: string; dedupKey: string; status: string; noticesSent: number }[] } }>(ALERTS, {}, t.tokens.admin)).alerts.nodes.find(
      (alert) => alert.dedupKey === dedupKey && alert.status !== 'resolved',
    );
  const personaOf = (id: string) => (Object.entries(t.users) as [Persona, User][]).find(([, user]) => user.id === id)?.[0] ?? id;
  const later = (hours: number) => t.clock.travelTo(new Date(t.clock.now().getTime() + hours * HOUR));

  /** The staff notices of an alert, in the order planned, with who they go to. */
  async function noticesOf(alertId: string): Promise<Notice[]> {
    const rows = await t.orm.em.fork().find(Notification, { type: NotificationType.staff_alert }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return rows
      .filter((row) => row.payload.alert?.alertId === alertId)
      .map((row) => ({ id: row.id, recipient: personaOf(row.recipient.id), channel: row.channel, status: row.status, reason: row.reason, kind: (row.payload.alert as AlertNotice).kind }));
  }
  const summary = (notices: Notice[]) => [...new Set(notices.map((notice) => `${notice.kind}→${notice.recipient}`))].sort();

  async function overdueBooking(hoursAgo: number): Promise<Booking> {
    const endsAt = new Date(t.clock.now().getTime() - hoursAgo * HOUR);
    return insertBooking(t, { startsAt: new Date(endsAt.getTime() - HOUR), endsAt, status: BookingStatus.confirmed });
  }

  describe('staff notices', () => {
    it('tell the rule\'s audience once when raised, again on escalation even if acknowledged, repeat only while unacknowledged, and say when it resolves', async () => {
      const booking = await overdueBooking(25);
      await scan('booking_overdue');
      const alert = (await alertOf(`booking_overdue:${booking.id}`))!;
      // Booking overdue goes to ops only, on their first channel and in-app.
      const raised = await noticesOf(alert.id);
      expect(summary(raised)).toEqual(['raised→ops']);
      expect(raised.map((notice) => [notice.channel, notice.status]).sort()).toEqual([
        [NotificationChannel.email, NotificationStatus.queued],
        [NotificationChannel.in_app, NotificationStatus.queued],
      ]);
      expect(alert.noticesSent).toBe(1);

      // Seen again within the repeat interval: nothing new.
      later(1);
      await scan('booking_overdue');
      expect(await noticesOf(alert.id)).toHaveLength(2);

      // Unacknowledged past its interval (high: 4 h): told again.
      later(3);
      await scan('booking_overdue');
      expect(summary(await noticesOf(alert.id))).toEqual(['raised→ops', 'repeated→ops']);

      // Acknowledged: what has not gone yet is dropped, and no more repeats.
      expect(dataOf(await t.gql<{ acknowledgeAlert: { noticesSent: number } }>(ACK, { id: alert.id }, t.tokens.ops)).acknowledgeAlert.noticesSent).toBe(2);
      expect((await noticesOf(alert.id)).every((notice) => notice.status === NotificationStatus.cancelled && notice.reason === NotificationReason.alert_closed)).toBe(true);
      later(5);
      await scan('booking_overdue');
      expect(await noticesOf(alert.id)).toHaveLength(4);

      // Two days overdue: critical, so told again although acknowledged.
      later(15);
      expect(await scan('booking_overdue')).toMatchObject({ escalated: 1 });
      const escalated = (await noticesOf(alert.id)).filter((notice) => notice.kind === 'escalated');
      expect(escalated.map((notice) => notice.status)).toEqual([NotificationStatus.queued, NotificationStatus.queued]);

      // Closed: the escalation not yet sent is dropped, and ops hear it is resolved.
      await t.orm.em.fork().nativeUpdate(Booking, { id: booking.id }, { status: BookingStatus.completed });
      expect(await scan('booking_overdue')).toMatchObject({ resolved: 1 });
      const closing = await noticesOf(alert.id);
      expect(closing.filter((notice) => notice.kind === 'escalated').every((notice) => notice.reason === NotificationReason.alert_closed)).toBe(true);
      expect(closing.filter((notice) => notice.kind === 'resolved').map((notice) => notice.status)).toEqual([NotificationStatus.queued, NotificationStatus.queued]);
    });

    it('go to ops and finance for payments on hold, never to customers, providers or admins', async () => {
      const em = t.orm.em.fork();
      const booking = await insertBooking(t);
      em.create(Payment, { booking, amount: '90000.00', currency: 'UZS', status: PaymentStatus.held, heldSince: new Date(t.clock.now().getTime() - 30 * HOUR) });
      await em.flush();
      await scan('payment_on_hold');
      const alert = (await alertOf('payment_on_hold'))!;
      expect(summary(await noticesOf(alert.id))).toEqual(['raised→finance', 'raised→ops']);
    });

    it('say what the alert says, in the recipient\'s words, when sent', async () => {
      const raised = dataOf(await t.gql<{ raiseAlert: { id: string; noticesSent: number } }>(RAISE, {}, t.tokens.admin)).raiseAlert;
      expect(raised.noticesSent).toBe(1);
      const inApp = (await noticesOf(raised.id)).find((notice) => notice.recipient === 'admin' && notice.channel === NotificationChannel.in_app)!;
      expect(await t.app.get(DeliveryService).deliver(inApp.id)).toEqual({ status: 'sent' });
      const sent = await t.orm.em.fork().findOneOrFail(Notification, inApp.id);
      expect(sent.subject).toBe('[CRITICAL] Card terminal down');
      expect(sent.body).toContain('New alert: Card terminal down');
      expect(sent.body).toContain('Payments fail at the front desk');
      expect(summary(await noticesOf(raised.id))).toEqual(['raised→admin', 'raised→ops']);

      // Resolved by hand: those told hear so; a silence drops what is pending.
      expect(dataOf(await t.gql<{ resolveAlert: { noticesSent: number } }>(RESOLVE, { id: raised.id }, t.tokens.ops)).resolveAlert.noticesSent).toBe(2);
      expect(summary(await noticesOf(raised.id))).toEqual(['raised→admin', 'raised→ops', 'resolved→admin', 'resolved→ops']);
    });

    it('stay quiet while an alert is silenced', async () => {
      const booking = await overdueBooking(26);
      await scan('booking_overdue');
      const alert = (await alertOf(`booking_overdue:${booking.id}`))!;
      await t.gql(IGNORE, { id: alert.id, until: new Date(t.clock.now().getTime() + 48 * HOUR).toISOString() }, t.tokens.ops);
      expect((await noticesOf(alert.id)).every((notice) => notice.reason === NotificationReason.alert_closed)).toBe(true);
      later(30);
      await scan('booking_overdue');
      expect(summary(await noticesOf(alert.id))).toEqual(['raised→ops']);
    });
  });

  describe('completion reminders', () => {
    const planner = () => t.app.get(NotificationPlanner);

    it("remind the provider at their local hour of bookings due before the next one or overdue, once however many runs", async () => {
      const em = t.orm.em.fork();
      const provider = em.getReference(User, t.users.otherProvider.id);
      // 07:30 in Tashkent (UTC+5): the 08:00 slot is planned, the one after it is 14:00.
      t.clock.travelTo(new Date('2031-03-10T02:30:00Z'));
      const at = (iso: string) => new Date(iso);
      const overdue = await insertBooking(t, { provider, startsAt: at('2031-03-09T10:00:00Z'), endsAt: at('2031-03-09T11:00:00Z') });
      const dueSoon = await insertBooking(t, { provider, startsAt: at('2031-03-10T07:00:00Z'), endsAt: at('2031-03-10T08:30:00Z') });
      const later = await insertBooking(t, { provider, startsAt: at('2031-03-10T09:00:00Z'), endsAt: at('2031-03-10T10:00:00Z') });
      const done = await insertBooking(t, { provider, startsAt: at('2031-03-09T08:00:00Z'), endsAt: at('2031-03-09T09:00:00Z'), status: BookingStatus.completed });

      const runs = await Promise.all([planner().planCompletionReminders(), planner().planCompletionReminders()]);
      expect(runs.reduce((sum, planned) => sum + planned, 0)).toBe(4);
      expect(await planner().planCompletionReminders()).toBe(0);

      const rows = await em.find(Notification, { type: NotificationType.provider_completion_reminder, recipient: provider.id }, { orderBy: { createdAt: 'asc' } });
      expect(rows.map((row) => [row.booking?.id, row.channel, row.status, row.dueAt.toISOString()]).sort()).toEqual(
        [
          [overdue.id, NotificationChannel.email, NotificationStatus.queued, '2031-03-10T03:00:00.000Z'],
          [overdue.id, NotificationChannel.in_app, NotificationStatus.queued, '2031-03-10T03:00:00.000Z'],
          [dueSoon.id, NotificationChannel.email, NotificationStatus.queued, '2031-03-10T03:00:00.000Z'],
          [dueSoon.id, NotificationChannel.in_app, NotificationStatus.queued, '2031-03-10T03:00:00.000Z'],
        ].sort(),
      );
      expect(rows.some((row) => row.booking?.id === later.id || row.booking?.id === done.id)).toBe(false);

      // Sent on the hour; one marked done meanwhile is skipped.
      t.clock.travelTo(new Date('2031-03-10T03:00:00Z'));
      await em.nativeUpdate(Booking, { id: dueSoon.id }, { status: BookingStatus.completed });
      const delivery = t.app.get(DeliveryService);
      const inApp = (id: string) => rows.find((row) => row.booking?.id === id && row.channel === NotificationChannel.in_app)!.id;
      expect(await delivery.deliver(inApp(overdue.id))).toEqual({ status: 'sent' });
      expect(await delivery.deliver(inApp(dueSoon.id))).toEqual({ status: 'skipped', reason: NotificationReason.booking_completed });
      const sent = await em.fork().findOneOrFail(Notification, inApp(overdue.id));
      expect(sent.subject).toBe('To mark done: Haircut, Sunday, 9 March 2031 15:00');
    });

    it('skip a slot missed by more than the grace instead of sending it late', async () => {
      const em = t.orm.em.fork();
      const provider = em.getReference(User, t.users.otherProvider.id);
      // 14:40 in Tashkent: the 14:00 slot passed 40 min ago, 18:00 is more than an hour away.
      t.clock.travelTo(new Date('2031-04-10T09:40:00Z'));
      await insertBooking(t, { provider, startsAt: new Date('2031-04-10T08:00:00Z'), endsAt: new Date('2031-04-10T09:00:00Z') });
      expect(await planner().planCompletionReminders()).toBe(0);
    });
  });
});
