import type { GraphQLFormattedError } from 'graphql';
import { bookingInput, CREATE_BOOKING } from './bookings.fixtures';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './notifications-delivery.fixtures';

/** Small limits and a one-second window, so a test can exhaust a budget and see it come back. */
const LIMITS = { THROTTLE_USER_LIMIT: '3', THROTTLE_ANON_LIMIT: '2', THROTTLE_WINDOW: '1s' };
const ME = 'query { me { id } }';
const SUBSCRIPTION = 'subscription { bookingChanged { type booking { id } } }';

interface Answer {
  status: number;
  retryAfterHeader: string | null;
  remainingHeader: string | null;
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

/** GraphQL over HTTP with the response headers, which TestApp.gql leaves out. */
async function post(app: TestApp, query: string, token?: string): Promise<Answer> {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as Pick<Answer, 'data' | 'errors'>;
  return { status: response.status, retryAfterHeader: response.headers.get('retry-after'), remainingHeader: response.headers.get('x-ratelimit-remaining'), ...body };
}

const codeOf = (answer: { errors?: readonly GraphQLFormattedError[] }) => answer.errors?.[0]?.extensions?.code ?? 'OK';

describe('throttling across API processes', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp({ env: LIMITS });
    second = await startTestApp({ sharing: first, env: LIMITS });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('shares a signed-in caller budget between two processes, answers 429 TOO_MANY_REQUESTS with retryAfter, and admits again after the window', async () => {
    const token = first.tokens.customer;
    // One burst, alternating processes, well inside one window.
    const answers = await Promise.all([first, second, first, second, first].map((app) => post(app, ME, token)));

    expect(answers.map(codeOf).sort()).toEqual(['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
    expect(answers.filter((answer) => codeOf(answer) === 'OK').map((answer) => answer.remainingHeader).sort()).toEqual(['0', '1', '2']);
    for (const refused of answers.filter((answer) => codeOf(answer) === 'TOO_MANY_REQUESTS')) {
      expect(refused.status).toBe(429);
      expect(refused.retryAfterHeader).toBe('1');
      expect(refused.errors).toEqual([
        expect.objectContaining({ path: ['me'], extensions: { code: 'TOO_MANY_REQUESTS', reason: 'RATE_LIMITED', retryAfter: 1 } }),
      ]);
    }
    expect((await post(second, ME, first.tokens.otherCustomer)).data).toEqual({ me: { id: first.users.otherCustomer.id } });

    await waitFor('the window to admit the caller again', async () => codeOf(await post(second, ME, token)) === 'OK', 5000);
  });

  it('counts an operation once, whatever its root fields', async () => {
    const token = first.tokens.provider;
    const wide = 'query { a: me { id } b: me { id } c: me { id } d: me { id } }';
    const answers = await Promise.all([post(first, wide, token), post(second, ME, token), post(first, ME, token)]);
    expect(answers.map(codeOf)).toEqual(['OK', 'OK', 'OK']);
    expect(Object.keys(answers[0].data ?? {})).toEqual(['a', 'b', 'c', 'd']);

    const over = await post(second, wide, token);
    expect(over.status).toBe(429);
    expect(over.data).toBeNull();
    expect(over.errors?.every((error) => error.extensions?.code === 'TOO_MANY_REQUESTS')).toBe(true);
  });

  it('counts callers without a valid token by address, with the stricter limit, before the auth guard refuses them', async () => {
    const forged = first.tokens.customer.slice(0, -4) + 'AAAA';
    const answers = await Promise.all([first, second, first].map((app) => post(app, ME, forged)));
    expect(answers.map(codeOf).sort()).toEqual(['TOO_MANY_REQUESTS', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });

  it('counts subscription starts over graphql-ws, with the same error and no HTTP details', async () => {
    const token = first.tokens.finance; // who sees every booking, and has not called yet
    const subscriptions = await Promise.all([first, second, first, second].map((app) => app.subscribe(SUBSCRIPTION, {}, token)));
    try {
      const booking = await first.gql<{ createBooking: { id: string } }>(
        CREATE_BOOKING,
        { input: bookingInput(first, { customerId: first.users.customer.id }) },
        first.tokens.ops,
      );
      const bookingId = booking.data?.createBooking.id;
      expect(bookingId).toBeDefined();

      const events = await Promise.all(subscriptions.map((subscription) => subscription.next(5000)));
      const refused = events.filter((event) => codeOf(event) === 'TOO_MANY_REQUESTS');
      const admitted = events.filter((event) => codeOf(event) === 'OK');
      expect(refused).toHaveLength(1);
      expect(refused[0].errors?.[0]?.extensions).toEqual({ code: 'TOO_MANY_REQUESTS', reason: 'RATE_LIMITED', retryAfter: 1 });
      expect(admitted.map((event) => event.data)).toEqual(Array(3).fill({ bookingChanged: { type: 'created', booking: { id: bookingId } } }));
    } finally {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
    }
  });

  it('leaves HTTP routes such as /health alone', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => fetch(`${first.url}/health`).then((response) => response.status)));
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});
