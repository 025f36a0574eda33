import { BookingEvent, BookingEventData, BookingEventType } from '../src/bookings/booking-event.entity';
import { Booking } from '../src/bookings/booking.entity';
import { BookingEventPayload } from '../src/bookings/booking.events';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { NotificationPlanner, PlanResult } from '../src/notifications/planning/notification-planner.service';
import { User } from '../src/users/user.entity';
import { createBooking } from './bookings.fixtures';
import { startTestApp, TestApp } from './support/test-app';
import {
  countJobs,
  countNotifications,
  DAY,
  HOUR,
  notificationsOf,
  notificationStates,
  PLANNING_ENV,
  skipLoggedEvents,
  tally,
} from './notifications-planning.fixtures';

interface Seeded {
  booking: Booking;
  events: BookingEvent[];
}

/**
 * A booking written straight to the database, as one made before Herald planned anything (or
 * whose events were never heard): `history` is walked as the service would, one version each,
 * and logged behind the relay's position; with `history: []` it has no event rows at all.
 */
async function seedBooking(
  t: TestApp,
  options: { customer: User; provider: User; fromNow: number; history: { type: BookingEventType; data?: BookingEventData; startsAt?: Date }[] },
): Promise<Seeded> {
  const em = t.orm.em.fork();
  const startsAt = new Date(Math.floor((t.clock.now().getTime() + options.fromNow) / 60_000) * 60_000);
  const booking = em.create(Booking, {
    customer: em.getReference(User, options.customer.id),
    provider: em.getReference(User, options.provider.id),
    serviceName: 'Haircut',
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    timezone: 'Asia/Tashkent',
    price: '150000.00',
    currency: 'UZS',
  });
  await em.flush();
  const events: BookingEvent[] = [];
  for (const step of options.history) {
    if (step.type === BookingEventType.confirmed) booking.confirm();
    if (step.type === BookingEventType.cancelled) booking.cancel('Plans changed', null, t.clock.now());
    // Every step after the first changes the row, so the version moves as the service's would
    // (a seeded reschedule keeps the slot it was seeded at: that is the new one).
    if (events.length > 0) booking.updatedAt = new Date();
    await em.flush();
    events.push(em.create(BookingEvent, { booking, type: step.type, bookingVersion: booking.version, occurredAt: t.clock.now(), data: step.data ?? {} }));
    await em.flush();
  }
  await skipLoggedEvents(t);
  return { booking, events };
}

/** What a run reports, without the instants of "due now" rows that differ from run to run. */
const shape = (result: PlanResult) => ({
  planned: result.planned,
  skippedTooLate: result.skippedTooLate,
  cancelled: result.cancelled,
  rows: tally(result.rows, (row) => `${row.recipientId} ${row.type} ${row.channel} ${row.status}`),
});

describe('notifications: scheduleAll and dry runs (e2e)', () => {
  let t: TestApp;
  let planner: NotificationPlanner;

  beforeAll(async () => {
    t = await startTestApp({ env: PLANNING_ENV });
    // The bookings fall on providers' days (Asia/Tashkent) by their distance from now, so the
    // number of daily agendas would depend on the hour the test runs at: the clock starts at
    // 11:00 there, tomorrow.
    const today = t.clock.now();
    t.clock.travelTo(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1, 6, 0)));
    planner = t.app.get(NotificationPlanner);
  });
  afterAll(() => t?.close());

  it('planForEvent with dryRun reports what it would plan and writes nothing; without, it plans exactly that', async () => {
    const { booking, events } = await seedBooking(t, {
      customer: t.users.otherCustomer,
      provider: t.users.otherProvider,
      fromNow: 8 * DAY,
      history: [{ type: BookingEventType.created }],
    });
    const payload = new BookingEventPayload({
      eventId: events[0].id,
      bookingId: booking.id,
      type: BookingEventType.created,
      bookingVersion: 1,
      actorId: null,
      occurredAt: events[0].occurredAt,
      customerId: t.users.otherCustomer.id,
      providerId: t.users.otherProvider.id,
    });
    const before = { count: await countNotifications(t), jobs: await countJobs(t) };

    const dry = await planner.planForEvent(payload, { dryRun: true });
    expect(dry).toMatchObject({ planned: 18, skippedTooLate: 0, cancelled: 0 });
    expect({ count: await countNotifications(t), jobs: await countJobs(t) }).toEqual(before);

    const real = await planner.planForEvent(payload);
    expect(shape(real)).toEqual(shape(dry));
    expect(await countNotifications(t)).toBe(before.count + 18);
    expect(await countJobs(t)).toBe(0);
  });

  it('plans for existing bookings within N days as if just created at their schedule version; dry run first changes nothing, a second run plans nothing', async () => {
    const { customer, otherCustomer, provider, otherProvider } = t.users;
    // Confirmed after creation: its schedule version is 1, its current version 2.
    const confirmed = await seedBooking(t, {
      customer,
      provider,
      fromNow: 3 * DAY + 2 * HOUR,
      history: [{ type: BookingEventType.created }, { type: BookingEventType.confirmed }],
    });
    // Imported without any event rows: planned at its current version.
    const imported = await seedBooking(t, { customer: otherCustomer, provider, fromNow: 4 * DAY + 2 * HOUR, history: [] });
    // Rescheduled whose event was never planned: its v1 reminder still waits and must be cancelled.
    const rescheduled = await seedBooking(t, {
      customer,
      provider: otherProvider,
      fromNow: 2 * DAY + 3 * HOUR,
      history: [{ type: BookingEventType.created }, { type: BookingEventType.rescheduled, data: { previousStartsAt: '2030-01-01T09:00:00.000Z' } }],
    });
    const em = t.orm.em.fork();
    const stale = em.create(Notification, {
      recipient: em.getReference(User, customer.id),
      booking: em.getReference(Booking, rescheduled.booking.id),
      type: NotificationType.booking_reminder,
      channel: NotificationChannel.email,
      offsetSeconds: 3600,
      dueAt: new Date(rescheduled.booking.startsAt.getTime() - 2 * DAY),
      status: NotificationStatus.planned,
      bookingVersion: 1,
      dedupKey: `${rescheduled.booking.id}:booking_reminder:60:email:${customer.id}:v1`,
    });
    await em.flush();
    // Not planned: too far ahead, or no longer active.
    const farAhead = await seedBooking(t, {
      customer: otherCustomer,
      provider: otherProvider,
      fromNow: 10 * DAY,
      history: [{ type: BookingEventType.created }],
    });
    const cancelled = await seedBooking(t, {
      customer,
      provider,
      fromNow: 5 * DAY + 6 * HOUR,
      history: [{ type: BookingEventType.created }, { type: BookingEventType.cancelled, data: { reason: 'Plans changed' } }],
    });
    // Already planned through its event: nothing new for it.
    const live = await createBooking(t, {
      startsAt: new Date(t.clock.now().getTime() + 5 * DAY).toISOString(),
      endsAt: new Date(t.clock.now().getTime() + 5 * DAY + HOUR).toISOString(),
    });
    const liveRows = await notificationsOf(t, live.id);
    expect(liveRows).toHaveLength(16);

    const before = { states: await notificationStates(t), jobs: await countJobs(t) };
    const dry = await planner.scheduleAll({ daysAhead: 7, dryRun: true });
    expect({ states: await notificationStates(t), jobs: await countJobs(t) }).toEqual(before);
    expect(dry).toMatchObject({ cancelled: 1, skippedTooLate: 2, planned: 52 });
    // 16 booking rows each (2 notices, 5 reminders, 1 nudge; email + in-app) and a 2-row agenda per provider day.
    expect(dry.rows).toHaveLength(54);

    const real = await planner.scheduleAll({ daysAhead: 7, dryRun: false });
    expect(shape(real)).toEqual(shape(dry));
    expect(Object.keys(await notificationStates(t))).toHaveLength(Object.keys(before.states).length + 54);

    const confirmedRows = await notificationsOf(t, confirmed.booking.id);
    expect(confirmedRows).toHaveLength(16);
    expect(tally(confirmedRows, (row) => row.type)).toEqual({
      booking_confirmation: 2,
      provider_new_booking: 2,
      booking_reminder: 10,
      provider_next_booking: 2,
    });
    for (const row of confirmedRows) expect(row.dedup_key).toMatch(/:v1$/);
    // 72h before a start 3 days and 2 hours away is within the 24h horizon; 36h and later are not.
    const reminderStatus = Object.fromEntries(confirmedRows.filter((row) => row.type === 'booking_reminder').map((row) => [row.offset_seconds / 60, row.status]));
    expect(reminderStatus).toEqual({ 4320: 'queued', 2160: 'planned', 1440: 'planned', 180: 'planned', 60: 'planned' });

    const importedRows = await notificationsOf(t, imported.booking.id);
    expect(importedRows).toHaveLength(16);
    for (const row of importedRows) expect(row.booking_version).toBe(1);

    const rescheduledRows = await notificationsOf(t, rescheduled.booking.id);
    expect(rescheduledRows.find((row) => row.id === stale.id)).toMatchObject({ status: 'cancelled', reason: 'rescheduled' });
    const v2 = rescheduledRows.filter((row) => row.booking_version === 2);
    expect(tally(v2, (row) => `${row.type} ${row.status}`)).toEqual({
      'booking_rescheduled queued': 4,
      // Starting 51 hours from now: 72h before has passed, 36h before is 15 hours away (within
      // the 24h horizon), 24h, 3h and 1h before are further.
      'booking_reminder skipped': 2,
      'booking_reminder queued': 2,
      'booking_reminder planned': 6,
      'provider_next_booking planned': 2,
    });
    for (const row of v2.filter((r) => r.type === 'booking_rescheduled')) expect(row.payload.previousStartsAt).toBe('2030-01-01T09:00:00.000Z');

    expect(await notificationsOf(t, farAhead.booking.id)).toEqual([]);
    expect(await notificationsOf(t, cancelled.booking.id)).toEqual([]);
    expect((await notificationsOf(t, live.id)).map((row) => [row.id, row.status])).toEqual(liveRows.map((row) => [row.id, row.status]));

    expect(await countJobs(t)).toBe(0);

    const again = await planner.scheduleAll({ daysAhead: 7, dryRun: false });
    expect(again).toEqual({ planned: 0, skippedTooLate: 0, cancelled: 0, rows: [] });
  });
});
