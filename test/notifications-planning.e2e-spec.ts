import { EventEmitter2 } from '@nestjs/event-emitter';
import { DateTime } from 'luxon';
import { BookingEventType } from '../src/bookings/booking-event.entity';
import { bookingEventName, BookingEventPayload } from '../src/bookings/booking.events';
import { NotificationPlanner } from '../src/notifications/planning/notification-planner.service';
import { startTestApp, TestApp } from './support/test-app';
import { BookingView, CANCEL, COMPLETE, CONFIRM, createBooking, dataOf, NO_SHOW, RESCHEDULE } from './bookings.fixtures';
import {
  agendaRowsOf,
  countJobs,
  countNotifications,
  DAY,
  HOUR,
  NotificationRow,
  notificationsOf,
  notificationStates,
  PLANNING_ENV,
  recordEvents,
  tally,
} from './notifications-planning.fixtures';

const MINUTE = 60_000;

/** A one-hour slot starting `fromNow` ms after the app's now. */
function slot(t: TestApp, fromNow: number, hours = 1): { startsAt: string; endsAt: string } {
  const start = Math.floor((t.clock.now().getTime() + fromNow) / MINUTE) * MINUTE;
  return { startsAt: new Date(start).toISOString(), endsAt: new Date(start + hours * HOUR).toISOString() };
}

/** The provider's agenda for the local day (Asia/Tashkent, the harness's time zone) a booking starts on. */
function agendaFor(startsAt: string): { date: string; dueAt: string } {
  const local = DateTime.fromISO(startsAt, { zone: 'Asia/Tashkent' });
  return { date: local.toISODate()!, dueAt: local.set({ hour: 7, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()! };
}

const view = (row: NotificationRow) => [row.type, row.recipient_id, row.channel, row.offset_seconds / 60, row.due_at.toISOString(), row.status, row.reason];

/** Planning writes Postgres only: the rows are the due-queue, Redis holds no job for them. */
async function expectNothingQueuedInRedis(t: TestApp): Promise<void> {
  expect(await countJobs(t)).toBe(0);
}

describe('notifications: planning (e2e)', () => {
  let t: TestApp;
  let emitted: BookingEventPayload[];
  const eventOf = (bookingId: string, type: BookingEventType) => emitted.find((event) => event.bookingId === bookingId && event.type === type)!;

  beforeAll(async () => {
    t = await startTestApp({ env: PLANNING_ENV });
    emitted = recordEvents(t);
  });
  afterAll(() => t?.close());
  afterEach(() => t.clock.reset());

  it('plans confirmation, notice, reminders, nudge and agenda for a new booking; only rows within the horizon are queued', async () => {
    const booking = await createBooking(t, slot(t, 4 * DAY + 30 * MINUTE));
    const start = new Date(booking.startsAt).getTime();
    const now = t.clock.now().getTime();
    const rows = await notificationsOf(t, booking.id);
    const { customer, provider } = t.users;
    const at = (ms: number) => new Date(ms).toISOString();

    // Immediate rows are due "now" as the planner saw it: moments ago.
    const immediate = rows.filter((row) => row.offset_seconds === 0 && row.type !== 'booking_reminder');
    for (const row of immediate) expect(now - row.due_at.getTime()).toBeLessThan(10_000);
    const due = immediate[0].due_at.toISOString();

    // The harness's users have no Telegram chat, so email is their first reachable channel.
    expect(rows.map(view)).toEqual([
      ['booking_confirmation', customer.id, 'email', 0, due, 'queued', null],
      ['booking_confirmation', customer.id, 'in_app', 0, due, 'queued', null],
      ['provider_new_booking', provider.id, 'email', 0, due, 'queued', null],
      ['provider_new_booking', provider.id, 'in_app', 0, due, 'queued', null],
      ['booking_reminder', customer.id, 'email', 4320, at(start - 72 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'in_app', 4320, at(start - 72 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'email', 2160, at(start - 36 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'in_app', 2160, at(start - 36 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'email', 1440, at(start - 24 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'in_app', 1440, at(start - 24 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'email', 180, at(start - 3 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'in_app', 180, at(start - 3 * HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'email', 60, at(start - HOUR), 'planned', null],
      ['booking_reminder', customer.id, 'in_app', 60, at(start - HOUR), 'planned', null],
      ['provider_next_booking', provider.id, 'email', 60, at(start - HOUR), 'planned', null],
      ['provider_next_booking', provider.id, 'in_app', 60, at(start - HOUR), 'planned', null],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ booking_version: 1, payload: { startsAt: booking.startsAt, endsAt: booking.endsAt } });
      // Whole-minute offsets keep the minutes form of the keys stored rows already carry.
      expect(row.dedup_key).toBe(`${booking.id}:${row.type}:${row.offset_seconds / 60}:${row.channel}:${row.recipient_id}:v1`);
    }
    await expectNothingQueuedInRedis(t);

    const agenda = agendaFor(booking.startsAt);
    const agendaRows = (await agendaRowsOf(t, provider.id)).filter((row) => row.payload.agendaDate === agenda.date);
    expect(agendaRows.map((row) => [row.channel, row.due_at.toISOString(), row.status, row.booking_id, row.dedup_key])).toEqual([
      ['email', agenda.dueAt, 'planned', null, `agenda:${provider.id}:${agenda.date}:email`],
      ['in_app', agenda.dueAt, 'planned', null, `agenda:${provider.id}:${agenda.date}:in_app`],
    ]);
    await expectNothingQueuedInRedis(t);
  });

  it('plans nothing twice when the same event is emitted again, even concurrently', async () => {
    const booking = await createBooking(t, slot(t, 4 * DAY + 4 * HOUR));
    const event = eventOf(booking.id, BookingEventType.created);
    const before = { count: await countNotifications(t), states: await notificationStates(t), jobs: await countJobs(t) };

    const emitter = t.app.get(EventEmitter2);
    await Promise.all([emitter.emitAsync(bookingEventName(event.type), event), emitter.emitAsync(bookingEventName(event.type), event)]);
    await emitter.emitAsync(bookingEventName(event.type), event);
    expect(await t.app.get(NotificationPlanner).planForEvent(event)).toEqual({ planned: 0, skippedTooLate: 0, cancelled: 0, rows: [] });

    expect({ count: await countNotifications(t), states: await notificationStates(t), jobs: await countJobs(t) }).toEqual(before);
  });

  it('confirm plans nothing; reschedule cancels pending rows but the creation notices, plans the new slot at the new version and tells both parties', async () => {
    const booking = await createBooking(t, slot(t, 5 * DAY));
    const original = await notificationsOf(t, booking.id);
    expect(original).toHaveLength(16);
    const queuedBefore = original.filter((row) => row.status === 'queued');
    expect(queuedBefore).toHaveLength(4);

    const count = await countNotifications(t);
    dataOf(await t.gql(CONFIRM, { id: booking.id, expectedVersion: 1 }, t.tokens.provider));
    expect(await countNotifications(t)).toBe(count);

    // Moved to start in 5 hours: the 72h/36h/24h reminders are already past.
    const moved = slot(t, 5 * HOUR);
    const rescheduled = dataOf(
      await t.gql<{ rescheduleBooking: BookingView }>(RESCHEDULE, { id: booking.id, input: { ...moved, expectedVersion: 2 } }, t.tokens.customer),
    ).rescheduleBooking;
    expect(rescheduled.version).toBe(3);

    const rows = await notificationsOf(t, booking.id);
    const old = rows.filter((row) => row.booking_version === 1);
    expect(old.map((row) => row.id).sort()).toEqual(original.map((row) => row.id).sort());
    // The creation's notices still hold (unsent here: no worker runs); everything else of v1 is cancelled.
    const creation = ['booking_confirmation', 'provider_new_booking'];
    for (const row of old) {
      expect([row.status, row.reason]).toEqual(creation.includes(row.type) ? ['queued', null] : ['cancelled', 'rescheduled']);
    }

    const fresh = rows.filter((row) => row.booking_version === 3);
    const start = new Date(moved.startsAt).getTime();
    const { customer, provider } = t.users;
    expect(fresh.filter((row) => row.type === 'booking_rescheduled').map((row) => [row.recipient_id, row.channel, row.status, row.payload])).toEqual(
      [
        [customer.id, 'email', 'queued', { startsAt: moved.startsAt, endsAt: moved.endsAt, previousStartsAt: booking.startsAt }],
        [customer.id, 'in_app', 'queued', { startsAt: moved.startsAt, endsAt: moved.endsAt, previousStartsAt: booking.startsAt }],
        [provider.id, 'email', 'queued', { startsAt: moved.startsAt, endsAt: moved.endsAt, previousStartsAt: booking.startsAt }],
        [provider.id, 'in_app', 'queued', { startsAt: moved.startsAt, endsAt: moved.endsAt, previousStartsAt: booking.startsAt }],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]))),
    );
    const timed = fresh.filter((row) => row.type !== 'booking_rescheduled' && row.channel === 'email');
    expect(timed.map((row) => [row.type, row.offset_seconds / 60, row.due_at.toISOString(), row.status, row.reason])).toEqual([
      ['booking_reminder', 4320, new Date(start - 72 * HOUR).toISOString(), 'skipped', 'too_late'],
      ['booking_reminder', 2160, new Date(start - 36 * HOUR).toISOString(), 'skipped', 'too_late'],
      ['booking_reminder', 1440, new Date(start - 24 * HOUR).toISOString(), 'skipped', 'too_late'],
      ['booking_reminder', 180, new Date(start - 3 * HOUR).toISOString(), 'queued', null],
      ['booking_reminder', 60, new Date(start - HOUR).toISOString(), 'queued', null],
      ['provider_next_booking', 60, new Date(start - HOUR).toISOString(), 'queued', null],
    ]);
    expect(fresh).toHaveLength(4 + 2 * timed.length);
    for (const row of fresh) expect(row.dedup_key).toMatch(/:v3$/);
    await expectNothingQueuedInRedis(t);

    const agenda = agendaFor(moved.startsAt);
    const agendaRows = (await agendaRowsOf(t, provider.id)).filter((row) => row.payload.agendaDate === agenda.date);
    const agendaPassed = new Date(agenda.dueAt).getTime() < t.clock.now().getTime();
    expect(agendaRows.map((row) => [row.channel, row.due_at.toISOString(), row.status, row.reason])).toEqual(
      ['email', 'in_app'].map((channel) => [channel, agenda.dueAt, agendaPassed ? 'skipped' : 'queued', agendaPassed ? 'too_late' : null]),
    );

    // Replaying the reschedule neither cancels its own rows nor adds any.
    const before = { states: await notificationStates(t), jobs: await countJobs(t) };
    const event = eventOf(booking.id, BookingEventType.rescheduled);
    await t.app.get(EventEmitter2).emitAsync(bookingEventName(event.type), event);
    expect({ states: await notificationStates(t), jobs: await countJobs(t) }).toEqual(before);
  });

  it('cancel cancels pending rows and notifies both parties with the reason; a replay changes nothing', async () => {
    const booking = await createBooking(t, slot(t, 6 * DAY));
    dataOf(await t.gql(CANCEL, { id: booking.id, input: { reason: 'Feeling unwell' } }, t.tokens.customer));

    const rows = await notificationsOf(t, booking.id);
    for (const row of rows.filter((r) => r.booking_version === 1)) expect([row.status, row.reason]).toEqual(['cancelled', 'booking_cancelled']);

    const notices = rows.filter((row) => row.booking_version === 2);
    expect(notices.map((row) => [row.type, row.recipient_id, row.channel, row.status, row.payload.cancellationReason]).sort()).toEqual(
      [
        ['booking_cancelled', t.users.customer.id, 'email', 'queued', 'Feeling unwell'],
        ['booking_cancelled', t.users.customer.id, 'in_app', 'queued', 'Feeling unwell'],
        ['booking_cancelled', t.users.provider.id, 'email', 'queued', 'Feeling unwell'],
        ['booking_cancelled', t.users.provider.id, 'in_app', 'queued', 'Feeling unwell'],
      ].sort(),
    );
    await expectNothingQueuedInRedis(t);

    const before = { states: await notificationStates(t), jobs: await countJobs(t) };
    const event = eventOf(booking.id, BookingEventType.cancelled);
    await t.app.get(EventEmitter2).emitAsync(bookingEventName(event.type), event);
    expect({ states: await notificationStates(t), jobs: await countJobs(t) }).toEqual(before);
  });

  it.each([
    ['completeBooking', COMPLETE, 2 * HOUR, 'booking_completed'],
    ['markNoShow', NO_SHOW, 3 * HOUR + 30 * MINUTE, 'booking_no_show'],
  ] as const)('%s cancels the pending rows and plans nothing new', async (_name, mutation, fromNow, reason) => {
    const booking = await createBooking(t, slot(t, fromNow));
    dataOf(await t.gql(CONFIRM, { id: booking.id }, t.tokens.provider));
    const original = await notificationsOf(t, booking.id);
    // Starting within hours: the near reminders and the nudge wait in the queue.
    expect(tally(original, (row) => row.status)).toMatchObject({ queued: expect.any(Number), skipped: expect.any(Number) });
    const pending = original.filter((row) => row.status === 'queued' || row.status === 'planned');
    const count = await countNotifications(t);

    t.clock.travel(fromNow + 10 * MINUTE);
    dataOf(await t.gql(mutation, { id: booking.id }, t.tokens.provider));

    expect(await countNotifications(t)).toBe(count);
    const rows = await notificationsOf(t, booking.id);
    for (const row of rows) {
      const wasPending = pending.some((p) => p.id === row.id);
      expect([row.id, row.status, row.reason]).toEqual([row.id, wasPending ? 'cancelled' : 'skipped', wasPending ? reason : 'too_late']);
    }
  });
});
