import { NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { BookingEventRelay } from '../src/notifications/planning/booking-event-relay';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import { bookingInput, CREATE_BOOKING, dataOf } from './bookings.fixtures';
import { HOUR, insertNotification } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-for-the-e2e-spec';

/** The value of one sample of a Prometheus text exposition, or undefined when it is absent. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  describe('without METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => (t = await startTestApp({ env: { HERALD_ROLE: 'api' } })));
    afterAll(() => t.close());

    it('does not exist, whatever the caller sends', async () => {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.tokens.admin}` } })).status).toBe(404);
    });
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    // API only: no worker or dispatcher moves the rows and jobs the figures are checked against.
    beforeAll(async () => (t = await startTestApp({ env: { HERALD_ROLE: 'api', METRICS_TOKEN } })));
    afterAll(() => t.close());

    const scrape = async (token = METRICS_TOKEN) => fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const figures = async () => {
      const response = await scrape();
      expect(response.status).toBe(200);
      return response.text();
    };
    const execute = (sql: string, params: unknown[] = []) => t.orm.em.getConnection().execute(sql, params);

    it('refuses a missing or wrong token with 401', async () => {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
      expect((await scrape(`${METRICS_TOKEN}-not`)).status).toBe(401);
      expect((await scrape(t.tokens.admin)).status).toBe(401);
    });

    it('counts notifications by channel and status', async () => {
      const rows: [NotificationChannel, NotificationStatus, number][] = [
        [NotificationChannel.sms, NotificationStatus.failed, 3],
        [NotificationChannel.email, NotificationStatus.cancelled, 2],
        [NotificationChannel.telegram, NotificationStatus.skipped, 1],
      ];
      for (const [channel, status, count] of rows) {
        for (let i = 0; i < count; i++) await insertNotification(t, { channel, status, dueInMs: 3 * 24 * HOUR });
      }
      const text = await figures();
      for (const [channel, status, count] of rows) expect(sample(text, 'herald_notifications', { channel, status })).toBe(count);
      expect(sample(text, 'herald_notifications', { channel: NotificationChannel.in_app, status: NotificationStatus.sent })).toBe(0);
    });

    it('gives the lateness of reminders sent within the window, by channel', async () => {
      const now = t.clock.now().getTime();
      const sentLate = async (lateSeconds: number, sentSecondsAgo: number, type = NotificationType.booking_reminder) => {
        const row = await insertNotification(t, { channel: NotificationChannel.in_app, type, status: NotificationStatus.sent });
        const sentAt = now - sentSecondsAgo * 1000;
        await execute(`update "notifications" set "due_at" = ?, "sent_at" = ? where "id" = ?`, [new Date(sentAt - lateSeconds * 1000), new Date(sentAt), row.id]);
      };
      await sentLate(1, 60);
      await sentLate(2, 60);
      await sentLate(30, 60);
      // Outside the window (15 minutes by default), and not a reminder: neither counts.
      await sentLate(500, 3600);
      await sentLate(900, 60, NotificationType.booking_confirmation);

      const text = await figures();
      const lateness = (quantile: string) => sample(text, 'herald_reminder_lateness_seconds', { channel: NotificationChannel.in_app, quantile });
      expect(sample(text, 'herald_reminders_sent_in_window', { channel: NotificationChannel.in_app })).toBe(3);
      expect(lateness('0.5')).toBeCloseTo(2, 3);
      expect(lateness('1')).toBeCloseTo(30, 3);
      expect(sample(text, 'herald_reminder_lateness_seconds', { channel: NotificationChannel.sms })).toBeUndefined();
    });

    it('gives the age of the oldest notification due and not sent, per channel', async () => {
      await insertNotification(t, { channel: NotificationChannel.email, status: NotificationStatus.queued, dueInMs: -120_000 });
      await insertNotification(t, { channel: NotificationChannel.email, status: NotificationStatus.queued, dueInMs: -30_000 });
      // Waiting for its retry: not due yet.
      await insertNotification(t, { channel: NotificationChannel.sms, status: NotificationStatus.queued, dueInMs: -600_000, nextAttemptInMs: 60_000 });
      const text = await figures();
      const age = (channel: NotificationChannel) => sample(text, 'herald_notification_oldest_due_age_seconds', { channel });
      expect(age(NotificationChannel.email)).toBeGreaterThanOrEqual(120);
      expect(age(NotificationChannel.email)).toBeLessThan(180);
      expect(age(NotificationChannel.sms)).toBe(0);
    });

    it('gives the depth of every queue', async () => {
      const queue = t.app.get(NotificationQueue);
      await queue.deliveryQueue(NotificationChannel.sms).addBulk([1, 2].map(() => ({ name: 'deliver', data: { ids: [], lease: 0 }, opts: { delay: HOUR } })));
      const text = await figures();
      expect(sample(text, 'herald_queue_depth', { queue: 'deliver-sms' })).toBe(2);
      for (const name of queue.all.map((each) => each.name).filter((name) => name !== 'deliver-sms')) expect(sample(text, 'herald_queue_depth', { queue: name })).toBe(0);
    });

    it('shows booking events the relay has not planned yet, and GraphQL requests by operation', async () => {
      const before = await figures();
      const mutations = { operation_type: 'mutation', operation_name: 'CreateBooking' };
      expect(sample(before, 'herald_relay_lag_events')).toBe(0);
      expect(sample(before, 'herald_relay_lag_oldest_age_seconds')).toBe(0);

      dataOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.customer));
      await t.gql('query { me { id } }', {}, t.tokens.customer);
      await t.gql('query { not valid', {}, t.tokens.customer);

      const text = await figures();
      // No relay runs on an API process.
      expect(sample(text, 'herald_relay_lag_events')).toBe(1);
      expect(sample(text, 'herald_relay_lag_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
      await t.app.get(BookingEventRelay).drain();
      expect(sample(await figures(), 'herald_relay_lag_events')).toBe(0);
      expect(sample(text, 'herald_graphql_request_duration_seconds_count', mutations)).toBe((sample(before, 'herald_graphql_request_duration_seconds_count', mutations) ?? 0) + 1);
      expect(sample(text, 'herald_graphql_request_duration_seconds_bucket', { ...mutations, le: '+Inf' })).toBe(sample(text, 'herald_graphql_request_duration_seconds_count', mutations));
      expect(sample(text, 'herald_graphql_request_duration_seconds_count', { operation_type: 'query', operation_name: 'unknown' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'herald_graphql_request_duration_seconds_count', { operation_type: 'unknown', operation_name: 'unknown' })).toBeGreaterThanOrEqual(1);
    });

    it('counts open business alerts by severity', async () => {
      const before = await figures();
      const raised = await t.gql(`mutation { raiseAlert(input: { severity: high, title: "Check the SMS balance" }) { id } }`, {}, t.tokens.admin);
      expect(raised.errors).toBeUndefined();
      const text = await figures();
      expect(sample(text, 'herald_open_alerts', { severity: 'high' })).toBe((sample(before, 'herald_open_alerts', { severity: 'high' }) ?? 0) + 1);
      expect(sample(text, 'herald_open_alerts', { severity: 'critical' })).toBe(sample(before, 'herald_open_alerts', { severity: 'critical' }));
    });

    it('includes the default Node process metrics', async () => {
      const text = await figures();
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    });
  });
});
