import { startTestApp, TestApp } from './support/test-app';
import { createBooking, dataOf } from './bookings.fixtures';
import { HOUR, notificationsOf, PLANNING_ENV } from './notifications-planning.fixtures';

const MINUTE = 60_000;

/** Reminder offsets under a minute: each is its own reminder, keyed and timed to the second. */
describe('notifications: planning sub-minute reminder offsets (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...PLANNING_ENV, NOTIFY_REMINDER_OFFSETS: '20s,10s' } });
  });
  afterAll(() => t?.close());

  it('plans one reminder per offset (20s and 10s) with distinct keys, each due at its own moment', async () => {
    const start = Math.ceil((t.clock.now().getTime() + 2 * HOUR) / MINUTE) * MINUTE;
    const booking = await createBooking(t, { startsAt: new Date(start).toISOString(), endsAt: new Date(start + HOUR).toISOString() });
    const customerId = t.users.customer.id;
    const at = (ms: number) => new Date(ms).toISOString();

    const reminders = (await notificationsOf(t, booking.id)).filter((row) => row.type === 'booking_reminder');
    expect(reminders.map((row) => [row.channel, row.offset_seconds, row.due_at.toISOString(), row.status, row.dedup_key])).toEqual([
      ['email', 20, at(start - 20_000), 'queued', `${booking.id}:booking_reminder:20s:email:${customerId}:v1`],
      ['in_app', 20, at(start - 20_000), 'queued', `${booking.id}:booking_reminder:20s:in_app:${customerId}:v1`],
      ['email', 10, at(start - 10_000), 'queued', `${booking.id}:booking_reminder:10s:email:${customerId}:v1`],
      ['in_app', 10, at(start - 10_000), 'queued', `${booking.id}:booking_reminder:10s:in_app:${customerId}:v1`],
    ]);
    const timeline = dataOf(
      await t.gql<{ bookingNotifications: { type: string; channel: string; offsetMinutes: number; offsetSeconds: number }[] }>(
        `query($bookingId: ID!) { bookingNotifications(bookingId: $bookingId) { type channel offsetMinutes offsetSeconds } }`,
        { bookingId: booking.id },
        t.tokens.customer,
      ),
    ).bookingNotifications;
    const offsets = timeline.filter((row) => row.type === 'booking_reminder' && row.channel === 'email').map((row) => [row.offsetSeconds, row.offsetMinutes]);
    expect(offsets.sort()).toEqual([
      [10, 0],
      [20, 0],
    ]);
  });
});
