import type { GraphQLFormattedError } from 'graphql';
import { bookingInput, BOOKING_FIELDS, CANCEL, countRows, CREATE_BOOKING, createBooking, freshSlot, RESCHEDULE } from './bookings.fixtures';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './notifications-delivery.fixtures';

const HOUR = 3_600_000;
const CREATE_WITH_KEY = `mutation CreateBooking($input: CreateBookingInput!, $key: String) { createBooking(input: $input, idempotencyKey: $key) { ${BOOKING_FIELDS} } }`;
const IMPORT_WITH_KEY = `mutation Import($input: [CreateBookingInput!]!, $key: String) { importBookings(input: $input, idempotencyKey: $key) { created failed items { index bookingId error { code } } } }`;

interface Answer {
  status: number;
  replayed: boolean;
  /** The body exactly as sent, to compare answers byte for byte. */
  text: string;
  data?: Record<string, { id?: string } & Record<string, unknown>> | null;
  errors?: GraphQLFormattedError[];
}

/** GraphQL over HTTP with an optional Idempotency-Key header, keeping the raw body and the headers. */
async function post(t: TestApp, query: string, variables: Record<string, unknown>, token: string, key?: string): Promise<Answer> {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', text, ...(JSON.parse(text) as Pick<Answer, 'data' | 'errors'>) };
}

const extensionsOf = (answer: Answer) => answer.errors?.[0]?.extensions;

async function bookingsOf(t: TestApp, serviceName: string): Promise<number> {
  const [row] = await t.orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from bookings where service_name = ?`, [serviceName]);
  return row.n;
}

describe('idempotency keys', () => {
  let t: TestApp;
  /** A second API process on the same data whose tiny limit throttles at once. */
  let strict: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    strict = await startTestApp({ sharing: t, env: { THROTTLE_USER_LIMIT: '1', THROTTLE_WINDOW: '2s' } });
  });

  afterAll(async () => {
    await strict?.close();
    await t?.close();
  });

  afterEach(() => t.clock.reset());

  it('50 concurrent createBooking calls with one key create one booking and get 50 identical answers', async () => {
    const input = bookingInput(t, { serviceName: 'Fifty at once' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(t, CREATE_BOOKING, { input }, t.tokens.customer, 'fifty-at-once')));

    expect(await bookingsOf(t, 'Fifty at once')).toBe(1);
    expect(answers[0].data?.createBooking?.id).toEqual(expect.any(String));
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(answers.filter((answer) => answer.replayed)).toHaveLength(49);
  });

  it('refuses the same key with a different request with CONFLICT, and creates nothing', async () => {
    const first = await post(t, CREATE_BOOKING, { input: bookingInput(t, { serviceName: 'Reused key' }) }, t.tokens.customer, 'reused-key');
    expect(first.errors).toBeUndefined();

    const before = await countRows(t, 'bookings');
    const other = await post(t, CREATE_BOOKING, { input: bookingInput(t, { serviceName: 'Reused key' }) }, t.tokens.customer, 'reused-key');
    expect(other.status).toBe(409);
    expect(other.data).toBeUndefined();
    expect(extensionsOf(other)).toEqual({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await countRows(t, 'bookings')).toBe(before);
  });

  it('takes the key as an argument as well as a header; the two must agree; each caller has their own keys', async () => {
    const input = bookingInput(t, { serviceName: 'Argument form' });
    const byArgument = await post(t, CREATE_WITH_KEY, { input, key: 'argument-form' }, t.tokens.customer);
    const again = await post(t, CREATE_WITH_KEY, { input, key: 'argument-form' }, t.tokens.customer, 'argument-form');
    expect(byArgument.errors).toBeUndefined();
    expect(again.replayed).toBe(true);
    expect(again.text).toBe(byArgument.text);
    expect(await bookingsOf(t, 'Argument form')).toBe(1);

    const disagreeing = await post(t, CREATE_WITH_KEY, { input, key: 'argument-form' }, t.tokens.customer, 'another-key');
    expect(disagreeing.status).toBe(400);
    expect(extensionsOf(disagreeing)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_IDEMPOTENCY_KEY' });

    // The same key string from another caller is another key.
    const stranger = await post(t, CREATE_WITH_KEY, { input: { ...input, ...freshSlot(t), customerId: t.users.otherCustomer.id }, key: 'argument-form' }, t.tokens.ops);
    expect(stranger.errors).toBeUndefined();
    expect(stranger.replayed).toBe(false);
    expect(await bookingsOf(t, 'Argument form')).toBe(2);
  });

  it('replays importBookings, rescheduleBooking and cancelBooking instead of acting twice', async () => {
    const items = [bookingInput(t, { serviceName: 'Imported once', customerId: t.users.customer.id })];
    const imported = await post(t, IMPORT_WITH_KEY, { input: items, key: 'import-1' }, t.tokens.ops);
    const importedAgain = await post(t, IMPORT_WITH_KEY, { input: items, key: 'import-1' }, t.tokens.ops);
    expect(imported.data?.importBookings).toMatchObject({ created: 1, failed: 0 });
    expect(importedAgain.text).toBe(imported.text);
    expect(await bookingsOf(t, 'Imported once')).toBe(1);

    const booking = await createBooking(t);
    const move = { id: booking.id, input: { ...freshSlot(t), expectedVersion: booking.version } };
    const moved = await post(t, RESCHEDULE, move, t.tokens.customer, 'move-1');
    const movedAgain = await post(t, RESCHEDULE, move, t.tokens.customer, 'move-1');
    expect(moved.data?.rescheduleBooking).toMatchObject({ version: booking.version + 1 });
    expect(movedAgain.replayed).toBe(true);
    expect(movedAgain.text).toBe(moved.text);

    const cancel = { id: booking.id, input: { reason: 'Changed plans' } };
    const cancelled = await post(t, CANCEL, cancel, t.tokens.customer, 'cancel-1');
    const cancelledAgain = await post(t, CANCEL, cancel, t.tokens.customer, 'cancel-1');
    expect(cancelled.data?.cancelBooking).toMatchObject({ status: 'cancelled' });
    expect(cancelledAgain.text).toBe(cancelled.text);
    // Without the key the second cancel is what it is: a conflict with the booking's state.
    expect(extensionsOf(await post(t, CANCEL, cancel, t.tokens.customer))).toMatchObject({ code: 'CONFLICT' });
  });

  it('keeps a refused first answer, but releases the key when the call was throttled, so the retry runs', async () => {
    const unknownProvider = bookingInput(t, { providerId: '00000000-0000-4000-8000-000000000000' });
    const refused = await post(t, CREATE_BOOKING, { input: unknownProvider }, t.tokens.customer, 'refused-once');
    const refusedAgain = await post(t, CREATE_BOOKING, { input: unknownProvider }, t.tokens.customer, 'refused-once');
    expect(extensionsOf(refused)).toMatchObject({ code: 'NOT_FOUND' });
    expect(refusedAgain.replayed).toBe(true);
    expect(refusedAgain.text).toBe(refused.text);

    const input = bookingInput(t, { serviceName: 'After throttling', customerId: t.users.otherCustomer.id });
    expect((await post(strict, 'query { me { id } }', {}, t.tokens.admin)).errors).toBeUndefined(); // the strict process's one operation
    const throttled = await post(strict, CREATE_BOOKING, { input }, t.tokens.admin, 'after-throttling');
    expect(extensionsOf(throttled)).toMatchObject({ code: 'TOO_MANY_REQUESTS' });

    // The block is shared by every process; each throttled retry releases the key again, until one runs.
    const retried = await waitFor('a retry to be admitted', async () => {
      const answer = await post(t, CREATE_BOOKING, { input }, t.tokens.admin, 'after-throttling');
      if (!answer.errors) return answer;
      expect(extensionsOf(answer)).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      return null;
    }, 5000);
    expect(retried.replayed).toBe(false);
    expect(await bookingsOf(t, 'After throttling')).toBe(1);
  });

  it('makes a second call wait for one in flight, up to a bound, then answers CONFLICT; a lapsed lease frees the key', async () => {
    const input = bookingInput(t, { serviceName: 'In flight' });
    expect((await post(t, CREATE_BOOKING, { input }, t.tokens.customer, 'in-flight')).errors).toBeUndefined();
    // As if the first call were still running on another process.
    await t.orm.em.getConnection().execute(`update idempotency_keys set answer = null, locked_until = ? where key = 'in-flight'`, [new Date(t.clock.now().getTime() + HOUR)]);

    const waited = await post(t, CREATE_BOOKING, { input }, t.tokens.customer, 'in-flight');
    expect(waited.status).toBe(409);
    expect(extensionsOf(waited)).toEqual({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_IN_FLIGHT' });
    expect(await bookingsOf(t, 'In flight')).toBe(1);

    // Its process died: once the lease is over, the request runs again (here: refused, the slot is taken).
    t.clock.travel(HOUR + 60_000);
    const afterLease = await post(t, CREATE_BOOKING, { input }, t.tokens.customer, 'in-flight');
    expect(afterLease.replayed).toBe(false);
    expect(extensionsOf(afterLease)).toMatchObject({ code: 'CONFLICT', reason: 'BOOKING_OVERLAPS' });
  }, 30_000);

  it('forgets a key after 24 hours, and removes expired keys as new ones are claimed', async () => {
    const input = bookingInput(t, { serviceName: 'Day old' });
    const first = await post(t, CREATE_BOOKING, { input }, t.tokens.customer, 'day-old');
    expect(first.errors).toBeUndefined();
    t.clock.travel(23 * HOUR);
    expect((await post(t, CREATE_BOOKING, { input }, t.tokens.customer, 'day-old')).replayed).toBe(true);

    t.clock.travel(HOUR + 60_000);
    const later = await post(t, CREATE_BOOKING, { input: { ...input, ...freshSlot(t) } }, t.tokens.customer, 'day-old');
    expect(later.replayed).toBe(false);
    expect(later.errors).toBeUndefined();
    expect(await bookingsOf(t, 'Day old')).toBe(2);

    const [{ n }] = await t.orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from idempotency_keys where expires_at <= ?`, [t.clock.now()]);
    expect(n).toBe(0);
  });

  it('refuses a keyed mutation over graphql-ws, where keys are not kept, instead of running it unguarded', async () => {
    const input = bookingInput(t, { serviceName: 'Keyed over the socket' });
    const operation = await t.subscribe(CREATE_WITH_KEY, { input, key: 'socket-key' }, t.tokens.customer);
    try {
      expect((await operation.next()).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'IDEMPOTENCY_KEY_OVER_WEBSOCKET' });
    } finally {
      await operation.close();
    }
    expect(await bookingsOf(t, 'Keyed over the socket')).toBe(0);
  });

  it('refuses a key on a mutation that does not take one, and a malformed key', async () => {
    const booking = await createBooking(t);
    const confirm = await post(t, 'mutation($id: ID!) { confirmBooking(id: $id) { id } }', { id: booking.id }, t.tokens.provider, 'confirm-1');
    expect(confirm.status).toBe(400);
    expect(extensionsOf(confirm)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'IDEMPOTENCY_KEY_NOT_ACCEPTED' });

    const blank = await post(t, CREATE_WITH_KEY, { input: bookingInput(t), key: ' ' }, t.tokens.customer);
    expect(extensionsOf(blank)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_IDEMPOTENCY_KEY', fields: [{ field: 'idempotencyKey', problems: [expect.any(String)] }] });

    // Queries ignore the header: they change nothing to repeat.
    expect((await post(t, 'query { me { id } }', {}, t.tokens.customer, 'any-key')).data).toEqual({ me: { id: t.users.customer.id } });
  });
});
