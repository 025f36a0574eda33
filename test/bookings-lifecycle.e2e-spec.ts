import { EventEmitter2 } from '@nestjs/event-emitter';
import { BookingEventPayload } from '../src/bookings/booking.events';
import { startTestApp, TestApp } from './support/test-app';
import {
  BookingView,
  CANCEL,
  COMPLETE,
  CONFIRM,
  createBooking,
  dataOf,
  errorOf,
  eventRows,
  freshSlot,
  NO_SHOW,
  RESCHEDULE,
} from './bookings.fixtures';

const HOUR = 3_600_000;

describe('bookings: lifecycle (e2e)', () => {
  let t: TestApp;
  const emitted: BookingEventPayload[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    t.app.get(EventEmitter2).onAny((_name: string | string[], payload: unknown) => {
      if (payload instanceof BookingEventPayload) emitted.push(payload);
    });
  });
  afterAll(() => t?.close());
  afterEach(() => t.clock.reset());

  it('runs create → confirm → reschedule → complete, logging an event for every step', async () => {
    const now = t.clock.now().getTime();
    const start = new Date(now + 3 * HOUR);
    const created = await createBooking(t, {
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + HOUR).toISOString(),
      note: 'Second floor',
    });
    expect(created).toMatchObject({
      status: 'pending',
      version: 1,
      price: '150000.00',
      currency: 'UZS',
      timezone: 'Asia/Tashkent',
      note: 'Second floor',
      customer: { id: t.users.customer.id, name: t.users.customer.name },
      provider: { id: t.users.provider.id },
      cancelledBy: null,
      signatureRequests: [],
    });
    expect(created.startsAt).toBe(start.toISOString());
    expect(created.payments).toEqual([
      expect.objectContaining({ bookingId: created.id, amount: '150000.00', currency: 'UZS', status: 'pending', heldSince: null }),
    ]);

    const confirmed = dataOf(await t.gql<{ confirmBooking: BookingView }>(CONFIRM, { id: created.id, expectedVersion: 1 }, t.tokens.provider)).confirmBooking;
    expect(confirmed).toMatchObject({ status: 'confirmed', version: 2 });

    const newStart = new Date(now + 5 * HOUR);
    const newEnd = new Date(now + 6 * HOUR);
    const rescheduled = dataOf(
      await t.gql<{ rescheduleBooking: BookingView }>(
        RESCHEDULE,
        { id: created.id, input: { startsAt: newStart.toISOString(), endsAt: newEnd.toISOString(), timezone: 'Asia/Samarkand', expectedVersion: 2 } },
        t.tokens.customer,
      ),
    ).rescheduleBooking;
    expect(rescheduled).toMatchObject({
      status: 'confirmed',
      version: 3,
      startsAt: newStart.toISOString(),
      endsAt: newEnd.toISOString(),
      timezone: 'Asia/Samarkand',
    });

    const early = errorOf(await t.gql(COMPLETE, { id: created.id }, t.tokens.provider));
    expect(early.extensions).toMatchObject({ code: 'CONFLICT', reason: 'BOOKING_NOT_STARTED' });

    t.clock.travel(5 * HOUR + 30 * 60_000);
    const completed = dataOf(await t.gql<{ completeBooking: BookingView }>(COMPLETE, { id: created.id, expectedVersion: 3 }, t.tokens.provider)).completeBooking;
    expect(completed).toMatchObject({ status: 'completed', version: 4 });

    const rows = await eventRows(t, created.id);
    expect(rows.map((row) => [row.type, row.booking_version, row.actor_id])).toEqual([
      ['created', 1, t.users.customer.id],
      ['confirmed', 2, t.users.provider.id],
      ['rescheduled', 3, t.users.customer.id],
      ['completed', 4, t.users.provider.id],
    ]);
    expect(rows[2].data).toEqual({
      previousStartsAt: start.toISOString(),
      previousEndsAt: new Date(start.getTime() + HOUR).toISOString(),
      previousTimezone: 'Asia/Tashkent',
    });

    const history = dataOf(
      await t.gql<{ booking: { events: { type: string; bookingVersion: number; actorId: string; previousStartsAt: string | null }[] } }>(
        `query ($id: ID!) { booking(id: $id) { events { type bookingVersion actorId previousStartsAt } } }`,
        { id: created.id },
        t.tokens.customer,
      ),
    ).booking.events;
    expect(history.map((event) => event.type)).toEqual(['created', 'confirmed', 'rescheduled', 'completed']);
    expect(history[2].previousStartsAt).toBe(start.toISOString());

    // The in-process events were emitted after each commit, pointing at the persisted rows.
    const mine = emitted.filter((payload) => payload.bookingId === created.id);
    expect(mine.map((payload) => [payload.type, payload.bookingVersion])).toEqual([
      ['created', 1],
      ['confirmed', 2],
      ['rescheduled', 3],
      ['completed', 4],
    ]);
    const [{ n }] = await t.orm.em
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from booking_events where id in (?)`, [mine.map((payload) => payload.eventId)]);
    expect(n).toBe(4);
    expect(mine[0]).toMatchObject({ customerId: t.users.customer.id, providerId: t.users.provider.id, actorId: t.users.customer.id });
  });

  it('marks a started confirmed booking as no-show, and cancels with reason and author', async () => {
    const start = new Date(t.clock.now().getTime() + HOUR);
    const first = await createBooking(t, { startsAt: start.toISOString(), endsAt: new Date(start.getTime() + HOUR).toISOString() });
    dataOf(await t.gql(CONFIRM, { id: first.id }, t.tokens.ops));
    t.clock.travel(2 * HOUR);
    const noShow = dataOf(await t.gql<{ markNoShow: BookingView }>(NO_SHOW, { id: first.id }, t.tokens.provider)).markNoShow;
    expect(noShow).toMatchObject({ status: 'no_show', version: 3 });

    const second = await createBooking(t);
    const cancelled = dataOf(
      await t.gql<{ cancelBooking: BookingView }>(CANCEL, { id: second.id, input: { reason: '  Feeling unwell ', expectedVersion: 1 } }, t.tokens.customer),
    ).cancelBooking;
    expect(cancelled).toMatchObject({ status: 'cancelled', version: 2, cancellationReason: 'Feeling unwell', cancelledBy: { id: t.users.customer.id } });
    expect(new Date(cancelled.cancelledAt!).getTime()).toBeCloseTo(t.clock.now().getTime(), -4);
    expect((await eventRows(t, second.id)).map((row) => [row.type, row.data])).toEqual([
      ['created', {}],
      ['cancelled', { reason: 'Feeling unwell' }],
    ]);
  });

  describe('bookingChanged subscription', () => {
    const SUBSCRIPTION = `subscription ($bookingId: ID) { bookingChanged(bookingId: $bookingId) {
      type booking { id status version customer { id name } provider { id } payments { status } }
    } }`;

    it('delivers a change to the owner, the provider and staff, and not to another customer', async () => {
      const booking = await createBooking(t);
      const owner = await t.subscribe<{ bookingChanged: { type: string; booking: BookingView } }>(SUBSCRIPTION, { bookingId: booking.id }, t.tokens.customer);
      const provider = await t.subscribe<{ bookingChanged: { type: string; booking: BookingView } }>(SUBSCRIPTION, {}, t.tokens.provider);
      const ops = await t.subscribe<{ bookingChanged: { type: string; booking: BookingView } }>(SUBSCRIPTION, {}, t.tokens.ops);
      const stranger = await t.subscribe(SUBSCRIPTION, {}, t.tokens.otherCustomer);
      const strangerTargeted = await t.subscribe(SUBSCRIPTION, { bookingId: booking.id }, t.tokens.otherCustomer);
      try {
        dataOf(await t.gql(CONFIRM, { id: booking.id }, t.tokens.provider));

        for (const subscription of [owner, provider, ops]) {
          const event = await subscription.next();
          expect(event.errors).toBeUndefined();
          expect(event.data!.bookingChanged).toEqual({
            type: 'confirmed',
            booking: {
              id: booking.id,
              status: 'confirmed',
              version: 2,
              customer: { id: t.users.customer.id, name: t.users.customer.name },
              provider: { id: t.users.provider.id },
              payments: [{ status: 'pending' }],
            },
          });
        }
        await expect(stranger.next(1000)).rejects.toThrow(/no subscription event/);
        await expect(strangerTargeted.next(300)).rejects.toThrow(/no subscription event/);
      } finally {
        await Promise.all([owner, provider, ops, stranger, strangerTargeted].map((s) => s.close()));
      }
    });

    it('filters by bookingId', async () => {
      const watched = await createBooking(t);
      const other = await createBooking(t);
      const subscription = await t.subscribe<{ bookingChanged: { type: string; booking: { id: string } } }>(SUBSCRIPTION, { bookingId: watched.id }, t.tokens.customer);
      try {
        dataOf(await t.gql(CANCEL, { id: other.id }, t.tokens.customer));
        dataOf(await t.gql(RESCHEDULE, { id: watched.id, input: freshSlot(t) }, t.tokens.customer));
        const event = await subscription.next();
        expect(event.data!.bookingChanged).toMatchObject({ type: 'rescheduled', booking: { id: watched.id, version: 2 } });
      } finally {
        await subscription.close();
      }
    });

    it('refuses a malformed bookingId and an anonymous subscriber', async () => {
      const malformed = await t.subscribe(SUBSCRIPTION, { bookingId: 'nope' }, t.tokens.customer);
      const anonymous = await t.subscribe(SUBSCRIPTION, {}, undefined);
      try {
        expect((await malformed.next()).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
        expect((await anonymous.next()).errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      } finally {
        await Promise.all([malformed.close(), anonymous.close()]);
      }
    });
  });
});
