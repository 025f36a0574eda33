import { SCANNED_TYPES } from '../src/alerts/alert-rules';
import { AlertScans } from '../src/alerts/alert-scans';
import { BookingEventRelay } from '../src/notifications/planning/booking-event-relay';
import { Notification, NotificationChannel, NotificationStatus } from '../src/notifications/notification.entity';
import { AlertEvent } from '../src/alerts/alert-event.entity';
import { BusinessAlert } from '../src/alerts/business-alert.entity';
import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { Payment, PaymentStatus } from '../src/bookings/payment.entity';
import { SignatureRequest, SignatureStatus } from '../src/bookings/signature-request.entity';
import { dataOf, errorOf } from './bookings.fixtures';
import { HOUR, insertBooking, insertNotification } from './notifications-delivery.fixtures';
import { bookingInput, CREATE_BOOKING } from './bookings.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const ALERT_FIELDS = 'id type severity status title dedupKey occurrences metadata assigneeId resolutionNote ignoredUntil events { kind actorId details }';
const SCAN = `mutation($type: AlertType!) { runAlertScan(type: $type) { type raised seenAgain escalated resolved } }`;
const ALERTS = `query($filter: AlertsFilter) { alerts(filter: $filter, page: { first: 100 }) { nodes { ${ALERT_FIELDS} } } }`;
const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id) { ${ALERT_FIELDS} } }`;
const ASSIGN = `mutation($id: ID!, $assigneeId: ID!) { assignAlert(id: $id, assigneeId: $assigneeId) { ${ALERT_FIELDS} } }`;
const RESOLVE = `mutation($id: ID!, $note: String) { resolveAlert(id: $id, note: $note) { ${ALERT_FIELDS} } }`;
const IGNORE = `mutation($id: ID!, $until: DateTime!, $reason: String!) { ignoreAlert(id: $id, until: $until, reason: $reason) { ${ALERT_FIELDS} } }`;
const RAISE = `mutation($input: RaiseAlertInput!) { raiseAlert(input: $input) { ${ALERT_FIELDS} } }`;

interface AlertView {
  id: string;
  type: string;
  severity: string;
  status: string;
  dedupKey: string;
  occurrences: number;
  metadata: Record<string, unknown>;
  assigneeId: string | null;
  resolutionNote: string | null;
  events: { kind: string; actorId: string | null }[];
}

describe('business alerts (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No scheduler: scans run when a test says so.
    t = await startTestApp({ env: { HERALD_ROLE: 'api' } });
  });
  afterAll(() => t?.close());

  const scan = async (type: string) => dataOf(await t.gql<{ runAlertScan: Record<string, number> }>(SCAN, { type }, t.tokens.admin)).runAlertScan;
  const alertsAs = async (persona: 'admin' | 'ops' | 'finance', filter: Record<string, unknown> = {}) =>
    dataOf(await t.gql<{ alerts: { nodes: AlertView[] } }>(ALERTS, { filter }, t.tokens[persona])).alerts.nodes;
  const alertFor = async (dedupKey: string, status?: string) =>
    (await alertsAs('admin', status ? { status: [status] } : {})).filter((alert) => alert.dedupKey === dedupKey);
  const later = (hours: number) => t.clock.travelTo(new Date(t.clock.now().getTime() + hours * HOUR));

  let overdueSlot = 0;
  /** A booking that ended about `hoursAgo` (a few minutes apart from the others, so slots never overlap) and nobody closed. */
  async function overdueBooking(hoursAgo: number): Promise<Booking> {
    const endsAt = new Date(t.clock.now().getTime() - hoursAgo * HOUR - overdueSlot++ * 5 * 60_000);
    return insertBooking(t, { startsAt: new Date(endsAt.getTime() - 60_000), endsAt, status: BookingStatus.confirmed });
  }

  describe('booking overdue', () => {
    it('raises one alert, escalates it with age, resolves it when the booking is closed, and opens a new one on a recurrence', async () => {
      const booking = await overdueBooking(25);
      const key = `booking_overdue:${booking.id}`;
      expect(await scan('booking_overdue')).toMatchObject({ raised: expect.any(Number) });
      const [raised] = await alertFor(key);
      expect(raised).toMatchObject({ type: 'booking_overdue', severity: 'high', status: 'active', occurrences: 1 });

      await scan('booking_overdue');
      expect((await alertFor(key))[0]).toMatchObject({ id: raised.id, severity: 'high', occurrences: 2 });

      later(24);
      await scan('booking_overdue');
      const [escalated] = await alertFor(key);
      expect(escalated).toMatchObject({ id: raised.id, severity: 'critical', occurrences: 3 });
      expect(escalated.events.map((event) => event.kind)).toEqual(['raised', 'escalated']);

      await t.orm.em.fork().nativeUpdate(Booking, { id: booking.id }, { status: BookingStatus.completed });
      await scan('booking_overdue');
      const [resolved] = await alertFor(key);
      expect(resolved).toMatchObject({ id: raised.id, status: 'resolved', resolutionNote: 'The condition cleared' });
      expect(resolved.events.at(-1)).toMatchObject({ kind: 'auto_resolved', actorId: null });

      // Reopened and still not closed: a new alert, the old one stays resolved.
      await t.orm.em.fork().nativeUpdate(Booking, { id: booking.id }, { status: BookingStatus.confirmed });
      await scan('booking_overdue');
      const both = await alertFor(key);
      expect(both.map((alert) => alert.status).sort()).toEqual(['active', 'resolved']);
      expect(both.find((alert) => alert.status === 'active')!.id).not.toBe(raised.id);
    });

    it('leaves bookings that ended less than a day ago alone', async () => {
      const booking = await overdueBooking(2);
      await scan('booking_overdue');
      expect(await alertFor(`booking_overdue:${booking.id}`)).toEqual([]);
    });
  });

  it('raises one payment alert for every payment on hold, with the total and the payments; finance sees payment alerts only', async () => {
    const em = t.orm.em.fork();
    const heldSince = new Date(t.clock.now().getTime() - 30 * HOUR);
    const bookings = [await insertBooking(t), await insertBooking(t)];
    const payments = bookings.map((booking, index) =>
      em.create(Payment, { booking, amount: index ? '50000.00' : '100000.00', currency: 'UZS', status: PaymentStatus.held, heldSince }),
    );
    await em.flush();
    await scan('payment_on_hold');
    const [alert] = await alertFor('payment_on_hold', 'active');
    expect(alert).toMatchObject({ type: 'payment_on_hold', severity: 'medium' });
    expect(alert.metadata).toMatchObject({ totals: { UZS: '150000.00' } });
    expect((alert.metadata.payments as { id: string }[]).map((payment) => payment.id).sort()).toEqual(payments.map((payment) => payment.id).sort());

    const seenByFinance = await alertsAs('finance');
    expect(seenByFinance.length).toBeGreaterThan(0);
    expect(seenByFinance.every((one) => one.type === 'payment_on_hold')).toBe(true);
    const overdue = await overdueBooking(30);
    await scan('booking_overdue');
    const overdueAlert = (await alertFor(`booking_overdue:${overdue.id}`))[0];
    expect(errorOf(await t.gql(ACK, { id: overdueAlert.id }, t.tokens.finance)).extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await t.gql(ALERTS, {}, t.tokens.customer)).extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await t.gql(ALERTS, {}, t.tokens.provider)).extensions).toMatchObject({ code: 'FORBIDDEN' });

    await em.nativeUpdate(Payment, { id: { $in: payments.map((payment) => payment.id) } }, { status: PaymentStatus.captured });
    await scan('payment_on_hold');
    expect((await alertFor('payment_on_hold')).find((one) => one.id === alert.id)).toMatchObject({ status: 'resolved' });
  });

  it('raises a high alert for a signature pending over a day, critical from two days', async () => {
    const em = t.orm.em.fork();
    const booking = await insertBooking(t);
    const request = em.create(SignatureRequest, { booking, requestedAt: new Date(t.clock.now().getTime() - 25 * HOUR), status: SignatureStatus.pending });
    await em.flush();
    await scan('signature_pending');
    expect((await alertFor(`signature_pending:${request.id}`))[0]).toMatchObject({ severity: 'high' });
    later(24);
    await scan('signature_pending');
    expect((await alertFor(`signature_pending:${request.id}`))[0]).toMatchObject({ severity: 'critical', occurrences: 2 });
  });

  describe('lifecycle', () => {
    const raise = async () =>
      dataOf(await t.gql<{ raiseAlert: AlertView }>(RAISE, { input: { severity: 'low', title: 'Check the SMS balance' } }, t.tokens.admin)).raiseAlert;

    it('acknowledges, assigns and resolves, each recorded with who did it', async () => {
      const alert = await raise();
      expect(dataOf(await t.gql<{ acknowledgeAlert: AlertView }>(ACK, { id: alert.id }, t.tokens.ops)).acknowledgeAlert).toMatchObject({ status: 'acknowledged' });
      expect(errorOf(await t.gql(ACK, { id: alert.id }, t.tokens.ops)).extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALERT_ILLEGAL_STATE' });
      expect(errorOf(await t.gql(ASSIGN, { id: alert.id, assigneeId: t.users.customer.id }, t.tokens.ops)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      const assigned = dataOf(await t.gql<{ assignAlert: AlertView }>(ASSIGN, { id: alert.id, assigneeId: t.users.ops.id }, t.tokens.admin)).assignAlert;
      expect(assigned.assigneeId).toBe(t.users.ops.id);
      const resolved = dataOf(await t.gql<{ resolveAlert: AlertView }>(RESOLVE, { id: alert.id, note: 'Topped up' }, t.tokens.ops)).resolveAlert;
      expect(resolved).toMatchObject({ status: 'resolved', resolutionNote: 'Topped up' });
      expect(resolved.events.map((event) => [event.kind, event.actorId])).toEqual([
        ['raised', t.users.admin.id],
        ['acknowledged', t.users.ops.id],
        ['assigned', t.users.admin.id],
        ['resolved', t.users.ops.id],
      ]);
      expect(await t.orm.em.fork().count(AlertEvent, { alert: alert.id })).toBe(4);
    });

    it('silences an alert until a time: the scan raises nothing new meanwhile and wakes it after', async () => {
      const booking = await overdueBooking(26);
      await scan('booking_overdue');
      const [alert] = await alertFor(`booking_overdue:${booking.id}`);
      const past = new Date(t.clock.now().getTime() - HOUR).toISOString();
      expect(errorOf(await t.gql(IGNORE, { id: alert.id, until: past, reason: 'x' }, t.tokens.ops)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      const until = new Date(t.clock.now().getTime() + 2 * HOUR).toISOString();
      expect(dataOf(await t.gql<{ ignoreAlert: AlertView }>(IGNORE, { id: alert.id, until, reason: 'Provider on leave' }, t.tokens.ops)).ignoreAlert).toMatchObject({ status: 'ignored' });
      await scan('booking_overdue');
      expect(await alertFor(`booking_overdue:${booking.id}`)).toEqual([expect.objectContaining({ id: alert.id, status: 'ignored' })]);
      later(3);
      await scan('booking_overdue');
      expect(await alertFor(`booking_overdue:${booking.id}`)).toEqual([expect.objectContaining({ id: alert.id, status: 'active' })]);
    });

    it('lets only admins raise alerts and run scans', async () => {
      expect(errorOf(await t.gql(RAISE, { input: { severity: 'low', title: 'x' } }, t.tokens.ops)).extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(errorOf(await t.gql(SCAN, { type: 'booking_overdue' }, t.tokens.ops)).extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(errorOf(await t.gql(SCAN, { type: 'manual' }, t.tokens.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    });
  });

  describe('Herald watching itself', () => {
    const MINUTE = 60_000;

    it("raises a channel's backlog when its messages wait past their due time, escalates it, and resolves it once they go", async () => {
      const waiting = await Promise.all([0, 1, 2].map(() => insertNotification(t, { channel: NotificationChannel.sms, dueInMs: -10 * MINUTE })));
      await scan('delivery_backlog');
      const [backlog] = await alertFor('delivery_backlog:sms');
      expect(backlog).toMatchObject({ severity: 'high', status: 'active', metadata: expect.objectContaining({ channel: 'sms', due: expect.any(Number) }) });
      expect(backlog.metadata.due).toBeGreaterThanOrEqual(3);
      later(0.25);
      await scan('delivery_backlog');
      expect((await alertFor('delivery_backlog:sms'))[0]).toMatchObject({ id: backlog.id, severity: 'critical' });

      await t.orm.em.fork().nativeUpdate(Notification, { channel: NotificationChannel.sms, status: { $in: [NotificationStatus.queued, NotificationStatus.planned] } }, { status: NotificationStatus.sent });
      await scan('delivery_backlog');
      expect((await alertFor('delivery_backlog:sms'))[0]).toMatchObject({ id: backlog.id, status: 'resolved' });
      expect(waiting).toHaveLength(3);
    });

    it('raises a failing channel from its share of failed messages in the window, not from a handful', async () => {
      const finished = (status: NotificationStatus, count: number) =>
        Promise.all(Array.from({ length: count }, () => insertNotification(t, { channel: NotificationChannel.email, status, dueInMs: -MINUTE })));
      await finished(NotificationStatus.failed, 3);
      await finished(NotificationStatus.sent, 5);
      await scan('channel_failing');
      // 8 finished messages: too few to judge.
      expect(await alertFor('channel_failing:email')).toEqual([]);
      await finished(NotificationStatus.failed, 1);
      await finished(NotificationStatus.sent, 1);
      await scan('channel_failing');
      expect((await alertFor('channel_failing:email'))[0]).toMatchObject({ severity: 'high', metadata: expect.objectContaining({ failed: 4, sent: 6, percent: 40 }) });
    });

    it("raises late reminders from the p95 of a channel's lateness in the window", async () => {
      const em = t.orm.em.fork();
      const rows = await Promise.all(Array.from({ length: 10 }, () => insertNotification(t, { channel: NotificationChannel.telegram, dueInMs: -3 * MINUTE })));
      // Each went out two minutes after it was due.
      for (const row of rows) await em.nativeUpdate(Notification, { id: row.id }, { status: NotificationStatus.sent, sentAt: new Date(row.dueAt.getTime() + 2 * MINUTE) });
      await scan('reminders_late');
      const [late] = await alertFor('reminders_late:telegram');
      expect(late).toMatchObject({ severity: 'high', status: 'active', metadata: expect.objectContaining({ channel: 'telegram', sent: 10 }) });
      expect(Math.round(late.metadata.p95Seconds as number)).toBe(120);
    });

    it("raises a channel's provider unreachable when messages keep retrying and none gets through, and resolves it once one does", async () => {
      const em = t.orm.em.fork();
      const retrying = async () => {
        const row = await insertNotification(t, { channel: NotificationChannel.sms, dueInMs: -10 * MINUTE, attempts: 2, nextAttemptInMs: MINUTE });
        await em.nativeUpdate(Notification, { id: row.id }, { lastError: 'connect ECONNREFUSED 127.0.0.1:443' });
        return row;
      };
      const rows = [await retrying(), await retrying()];
      await scan('channel_unreachable');
      // Two retries may be two bad numbers.
      expect(await alertFor('channel_unreachable:sms')).toEqual([]);
      rows.push(await retrying());
      await scan('channel_unreachable');
      const [unreachable] = await alertFor('channel_unreachable:sms');
      expect(unreachable).toMatchObject({ severity: 'high', status: 'active', metadata: expect.objectContaining({ channel: 'sms', retrying: 3 }) });
      later(0.5);
      await scan('channel_unreachable');
      expect((await alertFor('channel_unreachable:sms'))[0]).toMatchObject({ id: unreachable.id, severity: 'critical' });

      // One goes through: the provider answers again.
      await em.nativeUpdate(Notification, { id: rows[0].id }, { status: NotificationStatus.sent, sentAt: t.clock.now() });
      await scan('channel_unreachable');
      expect((await alertFor('channel_unreachable:sms'))[0]).toMatchObject({ id: unreachable.id, status: 'resolved' });
      await em.nativeUpdate(Notification, { id: { $in: rows.map((row) => row.id) } }, { status: NotificationStatus.cancelled });
    });

    it('raises the relay behind when booking changes stay unplanned, and resolves it once they are planned', async () => {
      // This process runs no relay: the booking's event waits.
      dataOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.customer));
      later(0.05);
      await scan('relay_behind');
      const [behind] = await alertFor('relay_behind');
      expect(behind).toMatchObject({ severity: 'high', status: 'active' });
      await t.app.get(BookingEventRelay).drain();
      await scan('relay_behind');
      expect((await alertFor('relay_behind'))[0]).toMatchObject({ id: behind.id, status: 'resolved' });
    });
  });

  describe('alertChanged', () => {
    const CHANGED = `subscription($minSeverity: AlertSeverity) { alertChanged(minSeverity: $minSeverity) { id type severity status } }`;

    it('tells ops of every change and finance of payment alerts only, live', async () => {
      const ops = await t.subscribe<{ alertChanged: AlertView }>(CHANGED, {}, t.tokens.ops);
      const finance = await t.subscribe<{ alertChanged: AlertView }>(CHANGED, {}, t.tokens.finance);
      const criticalOnly = await t.subscribe<{ alertChanged: AlertView }>(CHANGED, { minSeverity: 'critical' }, t.tokens.admin);
      try {
        const manual = dataOf(await t.gql<{ raiseAlert: AlertView }>(RAISE, { input: { severity: 'high', title: 'Provider unreachable' } }, t.tokens.admin)).raiseAlert;
        expect((await ops.next(5000)).data!.alertChanged).toMatchObject({ id: manual.id, type: 'manual', status: 'active' });
        dataOf(await t.gql(ACK, { id: manual.id }, t.tokens.ops));
        expect((await ops.next(5000)).data!.alertChanged).toMatchObject({ id: manual.id, status: 'acknowledged' });

        const em = t.orm.em.fork();
        em.create(Payment, { booking: await insertBooking(t), amount: '1000.00', currency: 'UZS', status: PaymentStatus.held, heldSince: new Date(t.clock.now().getTime() - 100 * HOUR) });
        await em.flush();
        await t.gql(SCAN, { type: 'payment_on_hold' }, t.tokens.admin);
        // The first event finance hears of is the payment alert: the manual one never reached it.
        expect((await finance.next(5000)).data!.alertChanged).toMatchObject({ type: 'payment_on_hold' });
        // Neither the high manual alert nor the medium payment alert reached the critical-only subscriber: its first event is this one.
        const critical = dataOf(await t.gql<{ raiseAlert: AlertView }>(RAISE, { input: { severity: 'critical', title: 'SMTP down' } }, t.tokens.admin)).raiseAlert;
        expect((await criticalOnly.next(5000)).data!.alertChanged).toMatchObject({ id: critical.id, severity: 'critical' });
      } finally {
        await Promise.all([ops.close(), finance.close(), criticalOnly.close()]);
      }
    });

    it('refuses customers and providers', async () => {
      for (const persona of ['customer', 'provider'] as const) {
        const refused = await t.subscribe(CHANGED, {}, t.tokens[persona]);
        try {
          expect((await refused.next()).errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
        } finally {
          await refused.close();
        }
      }
    });
  });

  it('runs each due scan once when two schedulers tick at the same moment', async () => {
    const booking = await overdueBooking(40);
    const other = await startTestApp({ sharing: t, env: { HERALD_ROLE: 'api' } });
    try {
      later(4);
      const [mine, theirs] = await Promise.all([t.app.get(AlertScans).runDue(), other.app.get(AlertScans).runDue()]);
      const ran = [...mine, ...theirs].map((result) => result.type).sort();
      expect(ran).toEqual([...SCANNED_TYPES].sort());
      expect(await t.orm.em.fork().count(BusinessAlert, { dedupKey: `booking_overdue:${booking.id}` })).toBe(1);
      // Within the intervals nothing is due again.
      expect([...(await t.app.get(AlertScans).runDue()), ...(await other.app.get(AlertScans).runDue())]).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
