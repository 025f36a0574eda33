import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';
import {
  BOOKING,
  BookingView,
  CANCEL,
  COMPLETE,
  CONFIRM,
  CREATE_BOOKING,
  bookingInput,
  createBooking,
  dataOf,
  errorOf,
  eventRows,
  freshSlot,
  RESCHEDULE,
  snapshotCounts,
} from './bookings.fixtures';

const HOUR = 3_600_000;

describe('bookings: refused input and conflicts (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  /** Runs `attempt` and proves no bookings row of any kind was written. */
  async function refusedWithoutChange(attempt: () => Promise<unknown>): Promise<void> {
    const before = await snapshotCounts(t);
    await attempt();
    expect(await snapshotCounts(t)).toEqual(before);
  }

  const create = (overrides: Record<string, unknown>) => t.gql(CREATE_BOOKING, { input: bookingInput(t, overrides) }, t.tokens.customer);

  describe('createBooking', () => {
    it('refuses a start in the past', async () => {
      await refusedWithoutChange(async () => {
        const start = t.clock.now().getTime() - HOUR;
        const error = errorOf(await create({ startsAt: new Date(start).toISOString(), endsAt: new Date(start + 2 * HOUR).toISOString() }));
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BOOKING_STARTS_IN_PAST' });
      });
    });

    it('refuses an end before (or at) the start', async () => {
      await refusedWithoutChange(async () => {
        const { startsAt, endsAt } = freshSlot(t);
        expect(errorOf(await create({ startsAt: endsAt, endsAt: startsAt })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BOOKING_ENDS_BEFORE_START' });
        expect(errorOf(await create({ startsAt, endsAt: startsAt })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BOOKING_ENDS_BEFORE_START' });
      });
    });

    it('refuses an unknown time zone, naming the field', async () => {
      await refusedWithoutChange(async () => {
        const error = errorOf(await create({ timezone: 'Mars/Olympus_Mons' }));
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_INPUT' });
        expect(error.extensions.fields).toEqual([expect.objectContaining({ field: 'timezone' })]);
      });
    });

    it.each(['usd', 'XYZ', 'US', 'EURO'])('refuses currency %p', async (currency) => {
      await refusedWithoutChange(async () => {
        const error = errorOf(await create({ currency }));
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
        expect(error.extensions.fields).toEqual([expect.objectContaining({ field: 'currency' })]);
      });
    });

    it.each(['-5', '1.234', 'abc', '12345678901', ''])('refuses price %p', async (price) => {
      await refusedWithoutChange(async () => {
        const error = errorOf(await create({ price }));
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
        expect(error.extensions.fields).toEqual([expect.objectContaining({ field: 'price' })]);
      });
    });

    it('refuses a malformed providerId and a blank service name', async () => {
      await refusedWithoutChange(async () => {
        expect(errorOf(await create({ providerId: 'provider-1' })).extensions.code).toBe('BAD_USER_INPUT');
        expect(errorOf(await create({ serviceName: '   ' })).extensions.code).toBe('BAD_USER_INPUT');
      });
    });

    it('refuses an overlapping booking for the same provider with CONFLICT, naming the provider', async () => {
      const first = await createBooking(t);
      const start = new Date(first.startsAt).getTime();
      await refusedWithoutChange(async () => {
        const error = errorOf(
          await t.gql(
            CREATE_BOOKING,
            { input: bookingInput(t, { customerId: t.users.otherCustomer.id, startsAt: new Date(start + 30 * 60_000).toISOString(), endsAt: new Date(start + 90 * 60_000).toISOString() }) },
            t.tokens.ops,
          ),
        );
        expect(error.extensions).toMatchObject({ code: 'CONFLICT', reason: 'BOOKING_OVERLAPS', providerId: t.users.provider.id });
      });
    });

    it('allows back-to-back slots, the same slot with another provider, and a slot freed by cancelling', async () => {
      const first = await createBooking(t);
      const end = first.endsAt;
      const next = await createBooking(t, { startsAt: end, endsAt: new Date(new Date(end).getTime() + HOUR).toISOString() });
      expect(next.startsAt).toBe(first.endsAt);
      const elsewhere = await createBooking(t, { providerId: t.users.otherProvider.id, startsAt: first.startsAt, endsAt: first.endsAt });
      expect(elsewhere.status).toBe('pending');
      dataOf(await t.gql(CANCEL, { id: first.id }, t.tokens.customer));
      const replacement = await createBooking(t, { customerId: t.users.otherCustomer.id, startsAt: first.startsAt, endsAt: first.endsAt }, 'ops');
      expect(replacement.startsAt).toBe(first.startsAt);
    });
  });

  describe('changes to an existing booking', () => {
    it('refuses to reschedule onto another booking of the provider and leaves everything as it was', async () => {
      const blocker = await createBooking(t);
      const moving = await createBooking(t);
      await refusedWithoutChange(async () => {
        const error = errorOf(await t.gql(RESCHEDULE, { id: moving.id, input: { startsAt: blocker.startsAt, endsAt: blocker.endsAt } }, t.tokens.customer));
        expect(error.extensions).toMatchObject({ code: 'CONFLICT', reason: 'BOOKING_OVERLAPS' });
      });
      const after = dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: moving.id }, t.tokens.customer)).booking;
      expect(after).toMatchObject({ startsAt: moving.startsAt, endsAt: moving.endsAt, version: 1 });
    });

    it('lets a booking move within its own slot (it never overlaps itself)', async () => {
      const booking = await createBooking(t);
      const shifted = new Date(new Date(booking.startsAt).getTime() + 30 * 60_000);
      const moved = dataOf(
        await t.gql<{ rescheduleBooking: BookingView }>(
          RESCHEDULE,
          { id: booking.id, input: { startsAt: shifted.toISOString(), endsAt: new Date(shifted.getTime() + HOUR).toISOString() } },
          t.tokens.provider,
        ),
      ).rescheduleBooking;
      expect(moved).toMatchObject({ startsAt: shifted.toISOString(), version: 2 });
    });

    it('refuses a reschedule into the past or with an unknown time zone', async () => {
      const booking = await createBooking(t);
      await refusedWithoutChange(async () => {
        const start = t.clock.now().getTime() - HOUR;
        const past = errorOf(
          await t.gql(RESCHEDULE, { id: booking.id, input: { startsAt: new Date(start).toISOString(), endsAt: new Date(start + HOUR).toISOString() } }, t.tokens.customer),
        );
        expect(past.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BOOKING_STARTS_IN_PAST' });
        const zone = errorOf(await t.gql(RESCHEDULE, { id: booking.id, input: { ...freshSlot(t), timezone: 'Nowhere/Land' } }, t.tokens.customer));
        expect(zone.extensions.code).toBe('BAD_USER_INPUT');
      });
    });

    it('refuses to complete a cancelled booking with CONFLICT and the current status', async () => {
      const start = t.clock.now().getTime() + HOUR;
      const booking = await createBooking(t, { startsAt: new Date(start).toISOString(), endsAt: new Date(start + HOUR).toISOString() });
      dataOf(await t.gql(CANCEL, { id: booking.id }, t.tokens.customer));
      t.clock.travel(2 * HOUR);
      try {
        await refusedWithoutChange(async () => {
          const error = errorOf(await t.gql(COMPLETE, { id: booking.id }, t.tokens.provider));
          expect(error.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ILLEGAL_TRANSITION', currentStatus: 'cancelled', entity: 'Booking' });
          const again = errorOf(await t.gql(CANCEL, { id: booking.id }, t.tokens.customer));
          expect(again.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'cancelled' });
          const confirm = errorOf(await t.gql(CONFIRM, { id: booking.id }, t.tokens.provider));
          expect(confirm.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'cancelled' });
        });
      } finally {
        t.clock.reset();
      }
      expect(dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: booking.id }, t.tokens.customer)).booking).toMatchObject({ status: 'cancelled', version: 2 });
    });

    it('refuses a stale expectedVersion with CONFLICT and the current version', async () => {
      const booking = await createBooking(t);
      dataOf(await t.gql(RESCHEDULE, { id: booking.id, input: freshSlot(t) }, t.tokens.customer));
      await refusedWithoutChange(async () => {
        const error = errorOf(await t.gql(CONFIRM, { id: booking.id, expectedVersion: 1 }, t.tokens.provider));
        expect(error.extensions).toMatchObject({ code: 'CONFLICT', reason: 'STALE_VERSION', currentVersion: 2, id: booking.id });
        const cancel = errorOf(await t.gql(CANCEL, { id: booking.id, input: { expectedVersion: 7 } }, t.tokens.customer));
        expect(cancel.extensions).toMatchObject({ code: 'CONFLICT', reason: 'STALE_VERSION', currentVersion: 2 });
      });
      expect(dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: booking.id }, t.tokens.customer)).booking).toMatchObject({ status: 'pending', version: 2 });
    });

    it('lets exactly one of two simultaneous changes win', async () => {
      const booking = await createBooking(t);
      const [confirm, cancel] = await Promise.all([
        t.gql<{ confirmBooking: BookingView }>(CONFIRM, { id: booking.id, expectedVersion: 1 }, t.tokens.provider),
        t.gql<{ cancelBooking: BookingView }>(CANCEL, { id: booking.id, input: { expectedVersion: 1 } }, t.tokens.customer),
      ]);
      const outcomes = [confirm, cancel].map((result) => (result.errors ? (result.errors[0].extensions?.code as string) : 'ok'));
      expect(outcomes.sort()).toEqual(['CONFLICT', 'ok']);
      expect((await eventRows(t, booking.id)).map((row) => row.booking_version)).toEqual([1, 2]);
    });

    it('refuses expectedVersion below 1', async () => {
      const booking = await createBooking(t);
      expect(errorOf(await t.gql(CONFIRM, { id: booking.id, expectedVersion: 0 }, t.tokens.provider)).extensions.code).toBe('BAD_USER_INPUT');
      expect(errorOf(await t.gql(CANCEL, { id: booking.id, input: { expectedVersion: -1 } }, t.tokens.customer)).extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('ids', () => {
    it.each([
      ['booking', BOOKING, {}],
      ['confirmBooking', CONFIRM, {}],
      ['cancelBooking', CANCEL, {}],
      ['rescheduleBooking', RESCHEDULE, { input: { startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-01T11:00:00Z' } }],
    ] as const)('%s refuses a malformed id as BAD_USER_INPUT and an unknown one as NOT_FOUND', async (_name, query, extra) => {
      await refusedWithoutChange(async () => {
        expect(errorOf(await t.gql(query, { id: 'not-a-uuid', ...extra }, t.tokens.ops)).extensions.code).toBe('BAD_USER_INPUT');
        expect(errorOf(await t.gql(query, { id: randomUUID(), ...extra }, t.tokens.ops)).extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'BOOKING_NOT_FOUND' });
      });
    });
  });
});
