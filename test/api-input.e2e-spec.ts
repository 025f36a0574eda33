import { Logger } from '@nestjs/common';
import { loggableError } from '../src/core/errors/graphql-error.filter';
import { UNSUBSCRIBE_PATH } from '../src/preferences/unsubscribe-links';
import { bookingInput, dataOf, errorOf, freshSlot, snapshotCounts } from './bookings.fixtures';
import { GqlResult, startTestApp, TestApp } from './support/test-app';

const CREATED = `mutation CreateBooking($input: CreateBookingInput!) { createBooking(input: $input) { id startsAt endsAt } }`;
const IMPORT = `mutation Import($input: [CreateBookingInput!]!) {
  importBookings(input: $input) { created failed items { index bookingId error { code fields { field problems } } } }
}`;
const USERS = `query Users($search: String) { users(filter: { search: $search }) { totalCount } }`;

type Fields = { field: string; problems: string[] }[];

/** Every GraphQL input of the API, over HTTP and graphql-ws: the caller's mistakes answer 400 / BAD_USER_INPUT, never a 500. */
describe('API input: mistakes are BAD_USER_INPUT (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const create = (input: Record<string, unknown>) => t.gql(CREATED, { input }, t.tokens.customer);

  /** The same createBooking written inline: every field of `bookingInput` as a literal, with `replace` spliced in raw. */
  const createInline = (replace: Record<string, string> = {}) => {
    const literals = Object.entries(bookingInput(t)).map(([key, value]) => `${key}: ${replace[key] ?? JSON.stringify(value)}`);
    return t.gql(`mutation { createBooking(input: { ${literals.join(', ')} }) { id } }`, {}, t.tokens.customer);
  };

  /** A mutation over graphql-ws: its one result. */
  async function overWebSocket(query: string, variables: Record<string, unknown>): Promise<GqlResult> {
    const operation = await t.subscribe(query, variables, t.tokens.customer);
    try {
      return await operation.next();
    } finally {
      await operation.close();
    }
  }

  function expectBadUserInput(result: GqlResult, status = 200) {
    expect(result.status).toBe(status);
    expect(errorOf(result).extensions.code).toBe('BAD_USER_INPUT');
  }

  describe('variables that do not fit their type answer HTTP 400, like the same mistake inline', () => {
    it.each([
      ['a number for the String price', { price: 100 }],
      ['an unknown input field', { bogus: 1 }],
      ['an object for the ID providerId', { providerId: { id: 1 } }],
    ])('%s', async (_label, overrides) => {
      const before = await snapshotCounts(t);
      expectBadUserInput(await create({ ...bookingInput(t), ...overrides }), 400);
      expect(await snapshotCounts(t)).toEqual(before);
    });

    it('a missing required variable', async () => {
      expectBadUserInput(await t.gql(CREATED, {}, t.tokens.customer), 400);
    });

    it('inline, the same mistakes were and stay 400', async () => {
      for (const replace of [{ price: '100' }, { providerId: '{ id: 1 }' }] as Record<string, string>[]) expect((await createInline(replace)).status).toBe(400);
    });
  });

  describe('the null character, which PostgreSQL text cannot hold', () => {
    const NUL = 'Hair\u0000cut';

    it.each(['serviceName', 'note'])('in %s is refused naming the field, over HTTP and graphql-ws', async (field) => {
      const before = await snapshotCounts(t);
      for (const result of [await create(bookingInput(t, { [field]: NUL })), await overWebSocket(CREATED, { input: bookingInput(t, { [field]: NUL }) })]) {
        const error = errorOf(result);
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field, problems: ['must not contain the null character (U+0000)'] }] });
      }
      expect(await snapshotCounts(t)).toEqual(before);
    });

    it('in a filter string (users search)', async () => {
      const error = errorOf(await t.gql(USERS, { search: NUL }, t.tokens.admin));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'search' }] });
    });

    it('in one item of importBookings fails that item only', async () => {
      const result = dataOf(await t.gql<{ importBookings: { created: number; failed: number; items: { error: { code: string; fields: Fields } | null }[] } }>(
        IMPORT,
        { input: [bookingInput(t, { customerId: t.users.customer.id }), bookingInput(t, { customerId: t.users.customer.id, serviceName: NUL })] },
        t.tokens.ops,
      ));
      expect(result.importBookings).toMatchObject({ created: 1, failed: 1 });
      expect(result.importBookings.items[1].error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'serviceName' }] });
    });

    it('a database error is logged without its SQL or parameters', async () => {
      const error: unknown = await t.orm.em.fork().getConnection().execute(`select ?::int as n`, ['customer-text-7731']).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      const logged = loggableError(error);
      expect(logged).toMatch(/SQLSTATE 22P02/);
      expect(logged).not.toContain('customer-text-7731');
      expect(logged).not.toContain('select');
    });
  });

  describe('DateTime: ISO 8601 with an offset or Z', () => {
    it.each([
      ['the integer 12345', 12345],
      ['a time without an offset', '2031-01-10T09:00:00'],
      ['a date alone', '2031-01-10'],
      ['an impossible day', '2031-02-30T09:00:00Z'],
    ])('refuses %s as a variable (HTTP 400) and inline', async (_label, startsAt) => {
      const asVariable = await create(bookingInput(t, { startsAt }));
      expectBadUserInput(asVariable, 400);
      expect(errorOf(asVariable).message).toMatch(/input\.startsAt.*ISO 8601 date and time with an offset or Z/);
      const inline = await createInline({ startsAt: JSON.stringify(startsAt) });
      expectBadUserInput(inline, 400);
      expect(errorOf(inline).message).toContain('ISO 8601 date and time with an offset or Z');
    });

    it('accepts an offset other than Z and answers in UTC', async () => {
      const start = new Date(freshSlot(t).startsAt);
      const local = new Date(start.getTime() + 5 * 3_600_000).toISOString().replace('Z', '+05:00');
      const result = dataOf(await create(bookingInput(t, { startsAt: local, endsAt: new Date(start.getTime() + 3_600_000).toISOString() })));
      expect((result as { createBooking: { startsAt: string } }).createBooking.startsAt).toBe(start.toISOString());
    });
  });

  describe('over graphql-ws, as over HTTP', () => {
    it('answers a plain query (in its own database context)', async () => {
      const result = await overWebSocket(`query { me { id } }`, {});
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ me: { id: t.users.customer.id } });
    });

    it('refuses an inline zone-less DateTime with BAD_USER_INPUT, and a variable one too', async () => {
      const literals = Object.entries(bookingInput(t, { startsAt: '2031-01-10T09:00:00' })).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
      expect(errorOf(await overWebSocket(`mutation { createBooking(input: { ${literals.join(', ')} }) { id } }`, {})).extensions.code).toBe('BAD_USER_INPUT');
      expect(errorOf(await overWebSocket(CREATED, { input: bookingInput(t, { startsAt: '2031-01-10T09:00:00' }) })).extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('client mistakes are not logged as errors', () => {
    let errors: jest.SpyInstance;
    let warnings: jest.SpyInstance;

    beforeEach(() => {
      errors = jest.spyOn(Logger.prototype, 'error');
      warnings = jest.spyOn(Logger.prototype, 'warn');
    });
    afterEach(() => jest.restoreAllMocks());

    const post = (body: string) => fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    it('a body over the limit: 413, a warning without the body', async () => {
      const response = await post(JSON.stringify({ query: '{ me { id } }', padding: `secret-padding-${'x'.repeat(6_000_000)}` }));
      expect(response.status).toBe(413);
      expect(errors).not.toHaveBeenCalled();
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('413'));
      expect(JSON.stringify(warnings.mock.calls)).not.toContain('secret-padding');
    });

    it('a null character in the body of an HTTP route: 400 naming the field, a warning', async () => {
      const response = await fetch(`${t.url}${UNSUBSCRIBE_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'ty\u0000pe' }) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'scope' }] });
      expect(errors).not.toHaveBeenCalled();
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('400'));
    });

    it('bad variables, a null character, a bad date', async () => {
      await create({ ...bookingInput(t), price: 100 });
      await create(bookingInput(t, { serviceName: 'Hair\u0000cut' }));
      await create(bookingInput(t, { startsAt: 12345 }));
      expect(errors).not.toHaveBeenCalled();
    });
  });
});
