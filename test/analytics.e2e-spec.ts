import { EntityManager } from '@mikro-orm/postgresql';
import { backfillPostalCodeAnalytics } from '../src/analytics/analytics.commands';
import { DailyAnalytics } from '../src/analytics/daily-analytics';
import { PostalCodeAnalytics } from '../src/analytics/postal-code-analytics.service';
import { BookingEvent, BookingEventType } from '../src/bookings/booking-event.entity';
import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { Payment, PaymentStatus } from '../src/bookings/payment.entity';
import { InputError } from '../src/core/errors/herald-error';
import { User } from '../src/users/user.entity';
import { dataOf, errorOf } from './bookings.fixtures';
import { Persona, startTestApp, TestApp } from './support/test-app';

const HOUR = 3_600_000;
/** The day the figures are worked out for by hand, and its neighbours. */
const DAY = '2026-11-20';
const DAY_BEFORE = '2026-11-19';
const DAY_AFTER = '2026-11-21';
const CENTRE = '100000';
const SUBURB = '200000';

const FIGURES = `postalCode day bookingsTotal pending confirmed completed cancelled noShow providersAvailable providersActive
  avgResponseSeconds avgCompletionSeconds ratingsCount ratingAverage`;
const ANALYTICS = `query($postalCode: String, $from: Date, $to: Date, $page: PageInput) {
  postalCodeAnalytics(postalCode: $postalCode, from: $from, to: $to, page: $page) { totalCount pageInfo { hasNextPage } nodes { ${FIGURES} } }
}`;
const ANALYTICS_WITH_REVENUE = `query($from: Date, $to: Date) {
  postalCodeAnalytics(from: $from, to: $to) { nodes { ${FIGURES} revenue { currency total bookings averageBookingValue } } }
}`;
const RANKING = `query($date: Date!, $metric: PostalCodeMetric!, $top: Int, $currency: String) {
  postalCodeRanking(date: $date, metric: $metric, top: $top, currency: $currency) { postalCode }
}`;
const RUN = `mutation($date: Date!) { runPostalCodeAnalytics(date: $date) { day postalCodes } }`;
const UPDATE_ME = `mutation($input: UpdateMeInput!) { updateMe(input: $input) { id postalCodes } }`;
const UPDATE_USER = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id postalCodes } }`;

interface Figures {
  postalCode: string;
  day: string;
  bookingsTotal: number;
  ratingAverage: number | null;
  revenue?: { currency: string; total: string; bookings: number; averageBookingValue: string }[] | null;
  [figure: string]: unknown;
}

interface SeededBooking {
  startsAt: string;
  timezone: string;
  postalCode: string;
  status: BookingStatus;
  provider: 'provider' | 'otherProvider';
  rating?: number;
  payments?: { amount: string; currency: string; status: PaymentStatus }[];
  /** Event times: created, confirmed, completed (ISO). */
  events?: Partial<Record<'created' | 'confirmed' | 'completed', string>>;
}

/**
 * The seeded bookings, worked out by hand for DAY (2026-11-20):
 * - CENTRE: Tashkent 23:30 local (18:30 UTC, completed, rated 4, 150,000 UZS captured, confirmed
 *   after 30 min, completed 1 h after its start); New York 22:00 local (03:00 UTC on the 21st,
 *   completed, rated 2, 50 USD captured, confirmed after 1 h, completed 2 h after its start); a
 *   cancelled one (the other provider, its payment still pending); a no-show; a confirmed one with
 *   250,000 UZS captured and a refunded payment.
 *   → 5 bookings: 1 confirmed, 2 completed, 1 cancelled, 1 no-show; 1 provider active, 2 serve it;
 *   response 2,700 s, completion 5,400 s; rating 3 of 2; UZS 400,000.00 over 2 bookings, USD 50.00 over 1.
 * - SUBURB: one confirmed booking (Tashkent 15:00 local) of the other provider, 100,000 UZS captured.
 * Not on DAY: Tashkent 00:30 on the 21st (19:30 UTC on the 20th) and New York 23:30 on the 19th
 * (04:30 UTC on the 20th), both CENTRE.
 */
const SEEDED: SeededBooking[] = [
  {
    startsAt: '2026-11-20T18:30:00Z',
    timezone: 'Asia/Tashkent',
    postalCode: CENTRE,
    status: BookingStatus.completed,
    provider: 'provider',
    rating: 4,
    payments: [{ amount: '150000.00', currency: 'UZS', status: PaymentStatus.captured }],
    events: { created: '2026-11-18T10:00:00Z', confirmed: '2026-11-18T10:30:00Z', completed: '2026-11-20T19:30:00Z' },
  },
  {
    startsAt: '2026-11-21T03:00:00Z',
    timezone: 'America/New_York',
    postalCode: CENTRE,
    status: BookingStatus.completed,
    provider: 'provider',
    rating: 2,
    payments: [{ amount: '50.00', currency: 'USD', status: PaymentStatus.captured }],
    events: { created: '2026-11-19T12:00:00Z', confirmed: '2026-11-19T13:00:00Z', completed: '2026-11-21T05:00:00Z' },
  },
  {
    startsAt: '2026-11-20T12:00:00Z',
    timezone: 'UTC',
    postalCode: CENTRE,
    status: BookingStatus.cancelled,
    provider: 'otherProvider',
    payments: [{ amount: '120000.00', currency: 'UZS', status: PaymentStatus.pending }],
  },
  { startsAt: '2026-11-20T09:00:00Z', timezone: 'UTC', postalCode: CENTRE, status: BookingStatus.no_show, provider: 'provider' },
  {
    startsAt: '2026-11-20T14:00:00Z',
    timezone: 'UTC',
    postalCode: CENTRE,
    status: BookingStatus.confirmed,
    provider: 'provider',
    payments: [
      { amount: '250000.00', currency: 'UZS', status: PaymentStatus.captured },
      { amount: '999.00', currency: 'UZS', status: PaymentStatus.refunded },
    ],
  },
  {
    startsAt: '2026-11-20T10:00:00Z',
    timezone: 'Asia/Tashkent',
    postalCode: SUBURB,
    status: BookingStatus.confirmed,
    provider: 'otherProvider',
    payments: [{ amount: '100000.00', currency: 'UZS', status: PaymentStatus.captured }],
  },
  { startsAt: '2026-11-20T19:30:00Z', timezone: 'Asia/Tashkent', postalCode: CENTRE, status: BookingStatus.confirmed, provider: 'otherProvider' },
  { startsAt: '2026-11-20T04:30:00Z', timezone: 'America/New_York', postalCode: CENTRE, status: BookingStatus.pending, provider: 'otherProvider' },
];

const CENTRE_ON_DAY = {
  postalCode: CENTRE,
  day: DAY,
  bookingsTotal: 5,
  pending: 0,
  confirmed: 1,
  completed: 2,
  cancelled: 1,
  noShow: 1,
  providersAvailable: 2,
  providersActive: 1,
  avgResponseSeconds: 2700,
  avgCompletionSeconds: 5400,
  ratingsCount: 2,
  ratingAverage: 3,
};
const SUBURB_ON_DAY = {
  postalCode: SUBURB,
  day: DAY,
  bookingsTotal: 1,
  pending: 0,
  confirmed: 1,
  completed: 0,
  cancelled: 0,
  noShow: 0,
  providersAvailable: 1,
  providersActive: 1,
  avgResponseSeconds: null,
  avgCompletionSeconds: null,
  ratingsCount: 0,
  ratingAverage: null,
};

async function seed(t: TestApp, em: EntityManager): Promise<Booking[]> {
  const bookings = SEEDED.map((spec) => {
    const startsAt = new Date(spec.startsAt);
    const booking = em.create(Booking, {
      customer: em.getReference(User, t.users.customer.id),
      provider: em.getReference(User, t.users[spec.provider].id),
      serviceName: 'Haircut',
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
      timezone: spec.timezone,
      postalCode: spec.postalCode,
      price: '150000.00',
      currency: 'UZS',
      status: spec.status,
      rating: spec.rating ?? null,
    });
    for (const payment of spec.payments ?? []) em.create(Payment, { booking, ...payment });
    Object.entries(spec.events ?? {}).forEach(([type, at], index) =>
      em.create(BookingEvent, { booking, type: type as BookingEventType, bookingVersion: index + 1, occurredAt: new Date(at) }),
    );
    return booking;
  });
  await em.flush();
  return bookings;
}

describe('postal-code analytics (e2e)', () => {
  let t: TestApp;
  let bookings: Booking[];

  beforeAll(async () => {
    // No scheduler: the daily run happens when a test says so.
    t = await startTestApp({ env: { HERALD_ROLE: 'api' } });
    dataOf(await t.gql(UPDATE_ME, { input: { postalCodes: [CENTRE, ` ${SUBURB} `] } }, t.tokens.provider));
    dataOf(await t.gql(UPDATE_USER, { id: t.users.otherProvider.id, input: { postalCodes: [CENTRE] } }, t.tokens.admin));
    bookings = await seed(t, t.orm.em.fork());
  });
  afterAll(() => t?.close());
  afterEach(() => t.clock.reset());

  const run = async (date: string) => dataOf(await t.gql<{ runPostalCodeAnalytics: { day: string; postalCodes: number } }>(RUN, { date }, t.tokens.admin)).runPostalCodeAnalytics;
  const rowsOf = async (variables: Record<string, unknown>, as: Persona = 'finance') =>
    dataOf(await t.gql<{ postalCodeAnalytics: { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: Figures[] } }>(ANALYTICS, variables, t.tokens[as]))
      .postalCodeAnalytics;
  const withRevenue = async (date: string, as: Persona = 'finance') =>
    dataOf(await t.gql<{ postalCodeAnalytics: { nodes: Figures[] } }>(ANALYTICS_WITH_REVENUE, { from: date, to: date }, t.tokens[as])).postalCodeAnalytics.nodes;
  const storedRows = async (day: string) =>
    t.orm.em.getConnection().execute<Record<string, unknown>[]>(`select * from "postal_code_daily" where "day" = ? order by "postal_code"`, [day]);
  const withoutComputedAt = (rows: Record<string, unknown>[]) => rows.map(({ computed_at: _computedAt, ...figures }) => figures);
  const ranking = async (variables: Record<string, unknown>, as: Persona = 'finance') =>
    dataOf(await t.gql<{ postalCodeRanking: { postalCode: string }[] }>(RANKING, variables, t.tokens[as])).postalCodeRanking.map((row) => row.postalCode);

  it('works out a day from the bookings that start on it in their own time zone', async () => {
    expect(await run(DAY)).toEqual({ day: DAY, postalCodes: 2 });
    const rows = await withRevenue(DAY);
    expect(rows).toEqual([
      {
        ...CENTRE_ON_DAY,
        revenue: [
          { currency: 'USD', total: '50.00', bookings: 1, averageBookingValue: '50.00' },
          { currency: 'UZS', total: '400000.00', bookings: 2, averageBookingValue: '200000.00' },
        ],
      },
      { ...SUBURB_ON_DAY, revenue: [{ currency: 'UZS', total: '100000.00', bookings: 1, averageBookingValue: '100000.00' }] },
    ]);
    // What campaigns read.
    const figures = await t.app.get(PostalCodeAnalytics).figuresFor(DAY);
    expect(figures.map((row) => [row.postalCode, row.bookingsTotal, row.providersAvailable, row.revenue.UZS?.total])).toEqual([
      [CENTRE, 5, 2, '400000.00'],
      [SUBURB, 1, 1, '100000.00'],
    ]);
  });

  it('gives the same figures and no more rows when it runs again, or twice at once', async () => {
    await run(DAY);
    const first = withoutComputedAt(await storedRows(DAY));
    await run(DAY);
    expect(withoutComputedAt(await storedRows(DAY))).toEqual(first);
    await Promise.all([run(DAY), run(DAY), t.app.get(PostalCodeAnalytics).computeDay(DAY)]);
    expect(withoutComputedAt(await storedRows(DAY))).toEqual(first);
    expect(first).toHaveLength(2);
  });

  it('a rerun replaces the day: a postal code left without bookings loses its row', async () => {
    const em = t.orm.em.fork();
    const suburban = bookings[5];
    await em.nativeUpdate(Booking, { id: suburban.id }, { postalCode: CENTRE });
    try {
      expect(await run(DAY)).toEqual({ day: DAY, postalCodes: 1 });
      expect((await storedRows(DAY)).map((row) => [row.postal_code, row.bookings_total])).toEqual([[CENTRE, 6]]);
    } finally {
      await em.nativeUpdate(Booking, { id: suburban.id }, { postalCode: SUBURB });
      await run(DAY);
    }
    expect((await storedRows(DAY)).map((row) => [row.postal_code, row.bookings_total])).toEqual([
      [CENTRE, 5],
      [SUBURB, 1],
    ]);
  });

  it('schedulers compute the previous day once its hour has come, one of them however many run at once', async () => {
    const daily = t.app.get(DailyAnalytics);
    // 00:30 UTC on the 21st: the 20th's run is not due yet, so the 19th is the day due.
    t.clock.travelTo(new Date(`${DAY_AFTER}T00:30:00Z`));
    expect(await daily.runDue()).toEqual({ day: DAY_BEFORE, postalCodes: 1 });
    expect(await daily.runDue()).toBeNull();

    t.clock.travelTo(new Date(`${DAY_AFTER}T01:30:00Z`));
    const results = await Promise.all([daily.runDue(), daily.runDue(), daily.runDue()]);
    expect(results.filter((result) => result !== null)).toEqual([{ day: DAY, postalCodes: 2 }]);
    expect(await daily.runDue()).toBeNull();
    expect(await storedRows(DAY)).toHaveLength(2);
  });

  it('backfills a range of days, one after another, with a progress bar', async () => {
    const written: string[] = [];
    const summary = await backfillPostalCodeAnalytics(t.app.get(PostalCodeAnalytics), DAY_BEFORE, DAY_AFTER, { write: (text) => written.push(text) });
    expect(summary).toEqual({ days: 3, rows: 4 });
    expect(written.join('')).toContain('3/3 days');

    const all = await rowsOf({ from: DAY_BEFORE, to: DAY_AFTER });
    expect(all.nodes.map((row) => [row.day, row.postalCode, row.bookingsTotal])).toEqual([
      [DAY_AFTER, CENTRE, 1],
      [DAY, CENTRE, 5],
      [DAY, SUBURB, 1],
      [DAY_BEFORE, CENTRE, 1],
    ]);
    expect(all.nodes[0]).toMatchObject({ confirmed: 1, providersActive: 1 });
    expect(all.nodes[3]).toMatchObject({ pending: 1 });

    const centre = await rowsOf({ postalCode: CENTRE, from: DAY_BEFORE, to: DAY_AFTER, page: { first: 2 } });
    expect(centre).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(centre.nodes.map((row) => row.day)).toEqual([DAY_AFTER, DAY]);

    await expect(backfillPostalCodeAnalytics(t.app.get(PostalCodeAnalytics), DAY_AFTER, DAY_BEFORE, { write: () => true })).rejects.toThrow(InputError);
    await expect(backfillPostalCodeAnalytics(t.app.get(PostalCodeAnalytics), '2026-02-30', DAY, { write: () => true })).rejects.toThrow(InputError);
  });

  it('ranks the postal codes of a day by a metric', async () => {
    await run(DAY);
    expect(await ranking({ date: DAY, metric: 'bookings' })).toEqual([CENTRE, SUBURB]);
    expect(await ranking({ date: DAY, metric: 'bookings', top: 1 })).toEqual([CENTRE]);
    expect(await ranking({ date: DAY, metric: 'cancelled' }, 'ops')).toEqual([CENTRE, SUBURB]);
    // Ties go to the lower postal code.
    expect(await ranking({ date: DAY, metric: 'providers_active' }, 'ops')).toEqual([CENTRE, SUBURB]);
    // Only postal codes with the figure: SUBURB has no rating, no response time and no USD.
    expect(await ranking({ date: DAY, metric: 'rating' }, 'ops')).toEqual([CENTRE]);
    expect(await ranking({ date: DAY, metric: 'response_time' }, 'ops')).toEqual([CENTRE]);
    expect(await ranking({ date: DAY, metric: 'revenue', currency: 'UZS' })).toEqual([CENTRE, SUBURB]);
    expect(await ranking({ date: DAY, metric: 'revenue', currency: 'USD' }, 'admin')).toEqual([CENTRE]);
    expect(await ranking({ date: '2020-01-01', metric: 'bookings' })).toEqual([]);

    expect(errorOf(await t.gql(RANKING, { date: DAY, metric: 'revenue' }, t.tokens.finance)).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'ANALYTICS_CURRENCY_REQUIRED',
    });
    expect(errorOf(await t.gql(RANKING, { date: DAY, metric: 'revenue', currency: 'UZS' }, t.tokens.ops)).extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'ANALYTICS_REVENUE_FORBIDDEN',
    });
    expect(errorOf(await t.gql(RANKING, { date: DAY, metric: 'bookings', top: 101 }, t.tokens.ops)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  describe('who sees what', () => {
    beforeAll(() => run(DAY));

    it('finance and admins see revenue; ops see every other figure and FORBIDDEN on revenue', async () => {
      expect((await withRevenue(DAY, 'admin')).map((row) => row.revenue?.length)).toEqual([2, 1]);

      const asOps = await t.gql<{ postalCodeAnalytics: { nodes: Figures[] } }>(ANALYTICS_WITH_REVENUE, { from: DAY, to: DAY }, t.tokens.ops);
      expect(asOps.data!.postalCodeAnalytics.nodes).toEqual([
        { ...CENTRE_ON_DAY, revenue: null },
        { ...SUBURB_ON_DAY, revenue: null },
      ]);
      expect(asOps.errors!.map((error) => [error.path, error.extensions?.code, error.extensions?.reason])).toEqual([
        [['postalCodeAnalytics', 'nodes', 0, 'revenue'], 'FORBIDDEN', 'ANALYTICS_REVENUE_FORBIDDEN'],
        [['postalCodeAnalytics', 'nodes', 1, 'revenue'], 'FORBIDDEN', 'ANALYTICS_REVENUE_FORBIDDEN'],
      ]);
      expect((await rowsOf({ from: DAY, to: DAY }, 'ops')).nodes).toEqual([CENTRE_ON_DAY, SUBURB_ON_DAY]);
    });

    it('customers and providers are refused; only admins compute a day', async () => {
      for (const persona of ['customer', 'provider'] as const) {
        expect(errorOf(await t.gql(ANALYTICS, {}, t.tokens[persona])).extensions).toMatchObject({ code: 'FORBIDDEN' });
        expect(errorOf(await t.gql(RANKING, { date: DAY, metric: 'bookings' }, t.tokens[persona])).extensions).toMatchObject({ code: 'FORBIDDEN' });
      }
      for (const persona of ['ops', 'finance'] as const) {
        expect(errorOf(await t.gql(RUN, { date: DAY }, t.tokens[persona])).extensions).toMatchObject({ code: 'FORBIDDEN' });
      }
    });

    it('refuses dates that are not calendar dates, and a range that ends before it starts', async () => {
      expect(errorOf(await t.gql(ANALYTICS, { from: '20-11-2026' }, t.tokens.ops)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'from' }] });
      expect(errorOf(await t.gql(RUN, { date: '2026-02-30' }, t.tokens.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'date' }] });
      expect(errorOf(await t.gql(ANALYTICS, { from: DAY, to: DAY_BEFORE }, t.tokens.ops)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ANALYTICS_BAD_RANGE' });
    });
  });

  describe('postal codes providers serve', () => {
    it('are a provider\'s own list, trimmed, replaced as a whole and cleared with null', async () => {
      const me = `query { me { postalCodes } }`;
      expect(dataOf(await t.gql<{ me: { postalCodes: string[] } }>(me, {}, t.tokens.provider)).me.postalCodes).toEqual([CENTRE, SUBURB]);
      expect(dataOf(await t.gql<{ updateMe: { postalCodes: string[] } }>(UPDATE_ME, { input: { postalCodes: null } }, t.tokens.otherProvider)).updateMe.postalCodes).toEqual([]);
      expect(dataOf(await t.gql<{ updateMe: { postalCodes: string[] } }>(UPDATE_ME, { input: { postalCodes: [CENTRE] } }, t.tokens.otherProvider)).updateMe.postalCodes).toEqual([CENTRE]);
    });

    it('are refused when malformed, repeated, too many, or for someone who is not a provider', async () => {
      for (const postalCodes of [['!'], [CENTRE, CENTRE], Array.from({ length: 101 }, (_, index) => String(100000 + index))]) {
        expect(errorOf(await t.gql(UPDATE_ME, { input: { postalCodes } }, t.tokens.provider)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'postalCodes' }] });
      }
      expect(errorOf(await t.gql(UPDATE_ME, { input: { postalCodes: [CENTRE] } }, t.tokens.customer)).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'POSTAL_CODES_FOR_PROVIDERS_ONLY',
      });
      expect(errorOf(await t.gql(UPDATE_USER, { id: t.users.ops.id, input: { postalCodes: [CENTRE] } }, t.tokens.admin)).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'POSTAL_CODES_FOR_PROVIDERS_ONLY',
      });
      expect(dataOf(await t.gql<{ me: { postalCodes: string[] } }>(`query { me { postalCodes } }`, {}, t.tokens.provider)).me.postalCodes).toEqual([CENTRE, SUBURB]);
    });
  });
});
