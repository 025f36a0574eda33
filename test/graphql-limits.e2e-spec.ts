import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CANCEL, createBooking, dataOf } from './bookings.fixtures';
import { GqlResult, startTestApp, TestApp } from './support/test-app';

/** `levels` fragments on Booking, each spreading the next twice: 2^levels paths to the last. */
function fannedOut(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, level) => `fragment f${level} on Booking { id ...f${level + 1} ...f${level + 1} }`);
  return `${fragments.join(' ')} fragment f${levels} on Booking { id }`;
}

const aliased = (count: number, selection: string) => Array.from({ length: count }, (_, index) => `a${index}: ${selection}`).join(' ');

const reasonOf = (result: GqlResult) => result.errors?.[0]?.extensions?.reason;

describe('GraphQL limits over HTTP and graphql-ws (e2e)', () => {
  let t: TestApp;
  const MAX_DEPTH = 3;

  beforeAll(async () => {
    t = await startTestApp({ env: { GRAPHQL_MAX_DEPTH: String(MAX_DEPTH), GRAPHQL_SANDBOX: 'false' } });
    await createBooking(t);
  });
  afterAll(() => t?.close());

  /** Runs `query` as one graphql-ws operation and returns its first result. */
  const overWs = async (query: string, variables: Record<string, unknown> = {}, token = t.tokens.ops) => {
    const subscription = await t.subscribe(query, variables, token);
    try {
      return await subscription.next();
    } finally {
      await subscription.close();
    }
  };

  describe('graphql-ws connections', () => {
    /** How the server closes a connection that offers `connectionParams` (a closed client holds nothing to dispose). */
    const closeOf = (connectionParams: Record<string, unknown>) =>
      new Promise<{ code: number; reason: string }>((resolve) => {
        createClient({
          url: `${t.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams,
          lazy: false,
          retryAttempts: 0,
          onNonLazyError: () => undefined,
          on: {
            closed: (event) => {
              const { code, reason } = event as { code: number; reason: string };
              resolve({ code, reason });
            },
          },
        });
      });

    it('refuses a connection without a token at connection_init with 4401', async () => {
      expect(await closeOf({})).toEqual({ code: 4401, reason: 'Unauthorized: A bearer token is required' });
    });

    it('refuses a connection with a token that does not verify with 4403', async () => {
      const forged = t.tokens.customer.slice(0, -4) + 'AAAA';
      const closed = await closeOf({ authorization: `Bearer ${forged}` });
      expect(closed.code).toBe(4403);
      expect(closed.reason).toMatch(/^Forbidden: The bearer token is not valid: /);
    });

    it('runs subscriptions within the limits for a signed-in caller', async () => {
      const booking = await createBooking(t);
      const subscription = await t.subscribe<{ bookingChanged: { type: string; booking: { id: string } } }>(
        'subscription($id: ID) { bookingChanged(bookingId: $id) { type booking { id } } }',
        { id: booking.id },
        t.tokens.customer,
      );
      try {
        dataOf(await t.gql(CANCEL, { id: booking.id }, t.tokens.customer));
        expect((await subscription.next()).data).toEqual({ bookingChanged: { type: 'cancelled', booking: { id: booking.id } } });
      } finally {
        await subscription.close();
      }
    });
  });

  describe('introspection, with the sandbox off', () => {
    const INTROSPECTION = 'query { __schema { types { name } } }';

    it('is refused over HTTP', async () => {
      const result = await t.gql(INTROSPECTION, {}, t.tokens.ops);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0]).toMatchObject({ message: expect.stringContaining('introspection'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    });

    it('is refused over graphql-ws', async () => {
      const result = await overWs(INTROSPECTION);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0]).toMatchObject({ message: expect.stringContaining('introspection'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    });
  });

  describe('depth', () => {
    it('refuses a subscription deeper than GRAPHQL_MAX_DEPTH over graphql-ws, as over HTTP', async () => {
      const within = await t.gql('query { bookings { nodes { id } } }', {}, t.tokens.ops);
      expect(within.errors).toBeUndefined();
      const tooDeep = 'subscription { bookingChanged { booking { events { bookingVersion } } } }';
      const result = await overWs(tooDeep);
      expect(result.errors?.[0]).toMatchObject({ message: `Operation is 4 levels deep; the limit is ${MAX_DEPTH}`, extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' } });
      const overHttp = await t.gql(tooDeep.replace('subscription', 'query').replace('bookingChanged', 'b: booking(id: "x")'), {}, t.tokens.ops);
      expect(overHttp.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' });
    });
  });

  describe('fragments spread many times over', () => {
    // 18 levels is 262,144 paths, 30 a billion: these finish only because every rule works each fragment out once.
    for (const levels of [18, 30]) {
      it(`refuses ${levels} levels of fan-out 2 as too large, with BAD_USER_INPUT, over HTTP`, async () => {
        const result = await t.gql(`query { bookings { nodes { ...f0 } } } ${fannedOut(levels)}`, {}, t.tokens.ops);
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_LARGE' });
      });

      it(`refuses ${levels} levels of fan-out 2 as too large, with BAD_USER_INPUT, over graphql-ws`, async () => {
        const result = await overWs(`subscription { bookingChanged { booking { ...f0 } } } ${fannedOut(levels)}`);
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_LARGE' });
      });
    }
  });

  describe('complexity counts list sizes', () => {
    const page = 'bookings(page: { first: 100 }) { nodes { id } }';

    it('accepts one page of 100', async () => {
      const result = await t.gql(`query { ${page} }`, {}, t.tokens.ops);
      expect(result.errors).toBeUndefined();
    });

    it('refuses 330 aliases of a page of 100 over HTTP and over graphql-ws', async () => {
      const query = `query { ${aliased(330, page)} }`;
      const overHttp = await t.gql(query, {}, t.tokens.ops);
      expect(overHttp.data).toBeUndefined();
      expect(overHttp.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Operation complexity \d+ exceeds the limit of 1000$/), extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' } });
      expect(reasonOf(await overWs(query))).toBe('QUERY_TOO_COMPLEX');
    });

    it('multiplies by `first` from the variables, and by its default', async () => {
      const query = `query($page: PageInput) { ${aliased(10, 'bookings(page: $page) { nodes { id } }')} }`;
      expect(reasonOf(await t.gql(query, { page: { first: 100 } }, t.tokens.ops))).toBe('QUERY_TOO_COMPLEX');
      expect((await t.gql(query, { page: { first: 5 } }, t.tokens.ops)).errors).toBeUndefined();
      // Without `first`, a page holds 20: 45 aliases of 1 + 20 × 1.1 is over 1000, 40 are not.
      expect(reasonOf(await t.gql(`query { ${aliased(45, 'bookings { nodes { id } }')} }`, {}, t.tokens.ops))).toBe('QUERY_TOO_COMPLEX');
      expect((await t.gql(`query { ${aliased(40, 'bookings { nodes { id } }')} }`, {}, t.tokens.ops)).errors).toBeUndefined();
    });

    it('counts a list without a page argument at an assumed size', async () => {
      // 5 × 1.1 each: 200 aliases are 1,100.
      const result = await t.gql(`query { ${aliased(200, 'templates { id }')} }`, {}, t.tokens.admin);
      expect(reasonOf(result)).toBe('QUERY_TOO_COMPLEX');
      expect((await t.gql(`query { ${aliased(150, 'templates { id }')} }`, {}, t.tokens.admin)).errors).toBeUndefined();
    });
  });
});
