import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { CONFIRM, createBooking, dataOf, errorOf } from './bookings.fixtures';
import { HOUR, insertBooking } from './notifications-delivery.fixtures';
import { Persona, startTestApp, TestApp } from './support/test-app';

const RATING_FIELDS = 'id status version rating ratingComment ratedAt';
const RATE = `mutation($id: ID!, $rating: Int!, $comment: String) { rateBooking(id: $id, rating: $rating, comment: $comment) { ${RATING_FIELDS} } }`;
const COMPLETE_RATED = `mutation($id: ID!, $input: CompleteBookingInput) { completeBooking(id: $id, input: $input) { ${RATING_FIELDS} } }`;

interface Rated {
  id: string;
  status: string;
  version: number;
  rating: number | null;
  ratingComment: string | null;
  ratedAt: string | null;
}

describe('bookings: ratings (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());
  afterEach(() => t.clock.reset());

  const completedBooking = () => insertBooking(t, { status: BookingStatus.completed });
  const rate = (id: string, rating: number, as: Persona = 'customer', comment?: string) => t.gql<{ rateBooking: Rated }>(RATE, { id, rating, comment }, t.tokens[as]);
  const stored = (id: string) => t.orm.em.fork().findOneOrFail(Booking, { id });

  it("records the customer's rating of their completed booking, once", async () => {
    const booking = await completedBooking();
    const rated = dataOf(await rate(booking.id, 5, 'customer', '  Quick and tidy  ')).rateBooking;
    expect(rated).toMatchObject({ id: booking.id, status: 'completed', rating: 5, ratingComment: 'Quick and tidy' });
    expect(new Date(rated.ratedAt!).getTime()).toBeCloseTo(t.clock.now().getTime(), -4);

    const again = errorOf(await rate(booking.id, 1));
    expect(again.extensions).toMatchObject({ code: 'CONFLICT', reason: 'BOOKING_ALREADY_RATED' });
    expect(await stored(booking.id)).toMatchObject({ rating: 5, ratingComment: 'Quick and tidy' });
  });

  it('refuses bookings that are not completed', async () => {
    for (const status of [BookingStatus.pending, BookingStatus.confirmed, BookingStatus.cancelled, BookingStatus.no_show]) {
      const booking = await insertBooking(t, { status });
      expect({ status, error: errorOf(await rate(booking.id, 4)).extensions }).toMatchObject({
        status,
        error: { code: 'CONFLICT', reason: 'ILLEGAL_TRANSITION', currentStatus: status },
      });
      expect((await stored(booking.id)).rating).toBeNull();
    }
  });

  it('is for the booking\'s own customer only: another customer is told it does not exist, staff and the provider are refused', async () => {
    const booking = await completedBooking();
    expect(errorOf(await rate(booking.id, 3, 'otherCustomer')).extensions).toMatchObject({ code: 'NOT_FOUND' });
    for (const persona of ['admin', 'ops', 'finance', 'provider'] as const) {
      expect({ persona, code: errorOf(await rate(booking.id, 3, persona)).extensions.code }).toEqual({ persona, code: 'FORBIDDEN' });
    }
    expect((await stored(booking.id)).rating).toBeNull();
  });

  it('takes whole ratings from 1 to 5 only', async () => {
    const booking = await completedBooking();
    for (const rating of [0, 6, -1]) {
      expect(errorOf(await rate(booking.id, rating)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'rating' }] });
    }
    expect(errorOf(await t.gql(RATE, { id: booking.id, rating: 4.5 }, t.tokens.customer)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(errorOf(await rate(booking.id, 1, 'customer', 'x'.repeat(2001))).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'comment' }] });
    expect((await stored(booking.id)).rating).toBeNull();
    expect(dataOf(await rate(booking.id, 1)).rateBooking.rating).toBe(1);
  });

  it('of two ratings at once, one is kept and the other refused', async () => {
    const booking = await completedBooking();
    const results = await Promise.all([rate(booking.id, 2), rate(booking.id, 4)]);
    const kept = results.filter((result) => !result.errors);
    const refused = results.filter((result) => result.errors);
    expect(kept).toHaveLength(1);
    expect(refused.map((result) => result.errors![0].extensions)).toMatchObject([{ code: 'CONFLICT', reason: 'BOOKING_ALREADY_RATED' }]);
    expect((await stored(booking.id)).rating).toBe(kept[0].data!.rateBooking.rating);
  });

  describe('completeBooking', () => {
    let slot = 0;
    /** A confirmed booking that started a few minutes ago, for the provider to complete. */
    async function startedBooking(): Promise<Booking> {
      const startsAt = new Date(t.clock.now().getTime() - 10 * 60_000 - slot++ * 2 * HOUR);
      return insertBooking(t, { startsAt, endsAt: new Date(startsAt.getTime() + HOUR), status: BookingStatus.confirmed });
    }

    it("may record the customer's rating given on the spot; the customer cannot rate again", async () => {
      const booking = await startedBooking();
      const completed = dataOf(
        await t.gql<{ completeBooking: Rated }>(COMPLETE_RATED, { id: booking.id, input: { rating: 4, ratingComment: 'Good' } }, t.tokens.provider),
      ).completeBooking;
      expect(completed).toMatchObject({ status: 'completed', rating: 4, ratingComment: 'Good' });
      expect(errorOf(await rate(booking.id, 5)).extensions).toMatchObject({ code: 'CONFLICT', reason: 'BOOKING_ALREADY_RATED' });
    });

    it('without a rating leaves it for the customer', async () => {
      const booking = await startedBooking();
      expect(dataOf(await t.gql<{ completeBooking: Rated }>(COMPLETE_RATED, { id: booking.id }, t.tokens.provider)).completeBooking).toMatchObject({
        status: 'completed',
        rating: null,
      });
      expect(dataOf(await rate(booking.id, 3)).rateBooking.rating).toBe(3);
    });

    it('refuses a rating out of range, or a comment without a rating, and completes nothing', async () => {
      const booking = await startedBooking();
      for (const input of [{ rating: 0 }, { rating: 6 }, { ratingComment: 'No number' }]) {
        const error = errorOf(await t.gql(COMPLETE_RATED, { id: booking.id, input }, t.tokens.provider));
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'rating' }] });
      }
      expect(await stored(booking.id)).toMatchObject({ status: BookingStatus.confirmed, rating: null });
    });
  });

  it('a booking created, confirmed and completed through the API is rated by its customer', async () => {
    const created = await createBooking(t);
    dataOf(await t.gql(CONFIRM, { id: created.id }, t.tokens.provider));
    t.clock.travelTo(new Date(new Date(created.startsAt).getTime() + 30 * 60_000));
    dataOf(await t.gql(COMPLETE_RATED, { id: created.id }, t.tokens.provider));
    expect(dataOf(await rate(created.id, 5)).rateBooking).toMatchObject({ status: 'completed', rating: 5 });
  });
});
