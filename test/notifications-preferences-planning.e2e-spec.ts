import { createBooking } from './bookings.fixtures';
import { DAY, HOUR, NotificationRow, notificationsOf, PLANNING_ENV } from './notifications-planning.fixtures';
import { newCustomer, setPreferences } from './preferences.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const MINUTE = 60_000;

/** A one-hour slot about `fromNow` ms after the app's now, on a whole minute; each call's is 2 hours after the last one's. */
function slot(t: TestApp, fromNow: number): { startsAt: string; endsAt: string } {
  const start = Math.floor((t.clock.now().getTime() + fromNow) / MINUTE) * MINUTE + slots++ * 2 * HOUR;
  return { startsAt: new Date(start).toISOString(), endsAt: new Date(start + HOUR).toISOString() };
}
let slots = 0;

const reminders = (rows: NotificationRow[]) =>
  rows
    .filter((row) => row.type === 'booking_reminder')
    .map((row) => [row.offset_seconds / 60, row.channel, row.status, row.reason])
    .sort((a, b) => Number(b[0]) - Number(a[0]) || String(a[1]).localeCompare(String(b[1])) || String(a[2]).localeCompare(String(b[2])));

describe('notifications: preferences at planning (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Reminders go to email first (no Telegram linked), then SMS.
    t = await startTestApp({ env: { ...PLANNING_ENV, NOTIFY_REMINDER_OFFSETS: '2d,3h' } });
  });
  afterAll(() => t?.close());

  const book = (customerId: string, fromNow = 5 * DAY) => createBooking(t, { customerId, ...slot(t, fromNow) }, 'ops');

  it('records the reminders of a customer who opted out as skipped/opted_out, and still confirms the booking', async () => {
    const { user, token } = await newCustomer(t);
    await setPreferences(t, token, { types: [{ type: 'booking_reminder', enabled: false }] });
    const rows = await notificationsOf(t, (await book(user.id)).id);
    expect(reminders(rows)).toEqual([
      [2880, 'email', 'skipped', 'opted_out'],
      [2880, 'in_app', 'skipped', 'opted_out'],
      [180, 'email', 'skipped', 'opted_out'],
      [180, 'in_app', 'skipped', 'opted_out'],
    ]);
    expect(rows.filter((row) => row.type === 'booking_confirmation').map((row) => [row.channel, row.status])).toEqual([
      ['email', 'queued'],
      ['in_app', 'queued'],
    ]);
  });

  it('plans the reminders again when the customer opts back in', async () => {
    const { user, token } = await newCustomer(t);
    await setPreferences(t, token, { types: [{ type: 'booking_reminder', enabled: false }] });
    const booking = await book(user.id);
    expect(reminders(await notificationsOf(t, booking.id)).every(([, , status, reason]) => status === 'skipped' && reason === 'opted_out')).toBe(true);
    await setPreferences(t, token, { types: [{ type: 'booking_reminder', enabled: true }] });
    expect(reminders(await notificationsOf(t, booking.id))).toEqual([
      [2880, 'email', 'planned', null],
      [2880, 'in_app', 'planned', null],
      [180, 'email', 'planned', null],
      [180, 'in_app', 'planned', null],
    ]);
  });

  it('plans on the next channel of the order when one is switched off; in-app off drops the copy', async () => {
    const { user, token } = await newCustomer(t);
    await setPreferences(t, token, { channels: [{ channel: 'email', enabled: false }, { channel: 'in_app', enabled: false }] });
    const rows = await notificationsOf(t, (await book(user.id)).id);
    expect(reminders(rows)).toEqual([
      [2880, 'sms', 'planned', null],
      [180, 'sms', 'planned', null],
    ]);
  });

  it("plans the customer's own schedule, each entry on its channel first (2 days by email, 1 day and 2 h by SMS)", async () => {
    const { user, token } = await newCustomer(t);
    await setPreferences(t, token, {
      reminderSchedule: [
        { before: '2d', channel: 'email' },
        { before: '1d', channel: 'sms' },
        { before: '2h', channel: 'sms' },
      ],
    });
    const booking = await book(user.id);
    const rows = await notificationsOf(t, booking.id);
    expect(reminders(rows)).toEqual([
      [2880, 'email', 'planned', null],
      [2880, 'in_app', 'planned', null],
      [1440, 'in_app', 'planned', null],
      [1440, 'sms', 'planned', null],
      [120, 'in_app', 'planned', null],
      [120, 'sms', 'planned', null],
    ]);
    const start = new Date(booking.startsAt).getTime();
    expect(rows.find((row) => row.offset_seconds === 7200 && row.channel === 'sms')?.due_at).toEqual(new Date(start - 2 * HOUR));
  });

  it('re-plans future reminders when the schedule changes: new ones planned, dropped ones cancelled, replays plan nothing twice', async () => {
    const { user, token } = await newCustomer(t);
    // Booked first, so its slot is the nearest: it starts within the hour.
    const soon = await createBooking(t, { customerId: user.id, startsAt: new Date(t.clock.now().getTime() + 30 * MINUTE).toISOString(), endsAt: new Date(t.clock.now().getTime() + 45 * MINUTE).toISOString() }, 'ops');
    const booking = await book(user.id);
    const soonBefore = await notificationsOf(t, soon.id);

    await setPreferences(t, token, { reminderSchedule: [{ before: '3h' }, { before: '1d', channel: 'sms' }] });
    const changed = await notificationsOf(t, booking.id);
    expect(reminders(changed)).toEqual([
      [2880, 'email', 'cancelled', 'preferences_changed'],
      [2880, 'in_app', 'cancelled', 'preferences_changed'],
      [1440, 'in_app', 'planned', null],
      [1440, 'sms', 'planned', null],
      [180, 'email', 'planned', null],
      [180, 'in_app', 'planned', null],
    ]);
    // A booking about to start gets nothing to send late: its new 1-day reminder is recorded too late.
    const late = (minutes: number, channel: string) => [minutes, channel, 'skipped', 'too_late'];
    expect(reminders(soonBefore)).toEqual([late(2880, 'email'), late(2880, 'in_app'), late(180, 'email'), late(180, 'in_app')]);
    expect(reminders(await notificationsOf(t, soon.id))).toEqual([late(2880, 'email'), late(2880, 'in_app'), late(1440, 'in_app'), late(1440, 'sms'), late(180, 'email'), late(180, 'in_app')]);

    // The same change again plans nothing and cancels nothing.
    await setPreferences(t, token, { reminderSchedule: [{ before: '3h' }, { before: '1d', channel: 'sms' }] });
    expect(await notificationsOf(t, booking.id)).toEqual(changed);

    // Back to the default: the cancelled 2-day reminder comes back (one row, not two), 1 day is cancelled.
    await setPreferences(t, token, { reminderSchedule: null });
    const restored = await notificationsOf(t, booking.id);
    expect(reminders(restored)).toEqual([
      [2880, 'email', 'planned', null],
      [2880, 'in_app', 'planned', null],
      [1440, 'in_app', 'cancelled', 'preferences_changed'],
      [1440, 'sms', 'cancelled', 'preferences_changed'],
      [180, 'email', 'planned', null],
      [180, 'in_app', 'planned', null],
    ]);
    expect(new Set(restored.map((row) => row.dedup_key)).size).toBe(restored.length);
  });

  it('moves a planned reminder to the next channel when its channel is switched off later', async () => {
    const { user, token } = await newCustomer(t);
    const booking = await book(user.id);
    await setPreferences(t, token, { channels: [{ channel: 'email', enabled: false }] });
    expect(reminders(await notificationsOf(t, booking.id))).toEqual([
      [2880, 'email', 'cancelled', 'preferences_changed'],
      [2880, 'in_app', 'planned', null],
      [2880, 'sms', 'planned', null],
      [180, 'email', 'cancelled', 'preferences_changed'],
      [180, 'in_app', 'planned', null],
      [180, 'sms', 'planned', null],
    ]);
  });
});
