import { randomUUID } from 'node:crypto';
import { Persona, startTestApp, TestApp } from './support/test-app';
import {
  BOOKING,
  BookingView,
  BOOKINGS,
  CANCEL,
  COMPLETE,
  CONFIRM,
  CREATE_BOOKING,
  bookingInput,
  createBooking,
  dataOf,
  errorOf,
  RESCHEDULE,
  freshSlot,
  snapshotCounts,
} from './bookings.fixtures';

interface ListResult {
  bookings: { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: { id: string; status: string; startsAt: string; customer: { id: string }; provider: { id: string } }[] };
}

describe('bookings: who sees and changes what (e2e)', () => {
  let t: TestApp;
  /** customer ↔ provider, otherCustomer ↔ otherProvider, customer ↔ otherProvider. */
  let mine: BookingView;
  let theirs: BookingView;
  let mixed: BookingView;

  beforeAll(async () => {
    t = await startTestApp();
    mine = await createBooking(t, { postalCode: '100000' });
    theirs = await createBooking(t, { customerId: t.users.otherCustomer.id, providerId: t.users.otherProvider.id, postalCode: '200200' }, 'ops');
    mixed = await createBooking(t, { providerId: t.users.otherProvider.id, postalCode: '100000' });
  });
  afterAll(() => t?.close());

  const list = async (as: Persona, variables: Record<string, unknown> = {}) => dataOf(await t.gql<ListResult>(BOOKINGS, variables, t.tokens[as])).bookings;

  describe('reading', () => {
    it.each(['customer', 'provider', 'ops', 'finance', 'admin'] as const)('%s can read a booking they are entitled to', async (persona) => {
      const booking = dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: mine.id }, t.tokens[persona])).booking;
      expect(booking).toMatchObject({ id: mine.id, customer: { id: t.users.customer.id }, provider: { id: t.users.provider.id } });
    });

    it.each(['otherCustomer', 'otherProvider'] as const)('%s gets NOT_FOUND for a booking that is not theirs, exactly as for a missing one', async (persona) => {
      const hidden = errorOf(await t.gql(BOOKING, { id: mine.id }, t.tokens[persona]));
      const missing = errorOf(await t.gql(BOOKING, { id: randomUUID() }, t.tokens[persona]));
      expect(hidden.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'BOOKING_NOT_FOUND' });
      expect(missing.extensions.code).toBe(hidden.extensions.code);
      expect(missing.extensions.reason).toBe(hidden.extensions.reason);
    });

    it('scopes the list to the customer’s own bookings, whatever the filter says', async () => {
      const page = await list('customer');
      expect(page.nodes.map((b) => b.id).sort()).toEqual([mine.id, mixed.id].sort());
      expect(page.totalCount).toBe(2);
      const sneaky = await list('customer', { filter: { customerId: t.users.otherCustomer.id } });
      expect(sneaky).toMatchObject({ totalCount: 0, nodes: [] });
    });

    it('scopes the list to the provider’s own bookings', async () => {
      const page = await list('otherProvider');
      expect(page.nodes.map((b) => b.id).sort()).toEqual([theirs.id, mixed.id].sort());
      expect(page.nodes.every((b) => b.provider.id === t.users.otherProvider.id)).toBe(true);
      expect((await list('provider', { filter: { providerId: t.users.otherProvider.id } })).totalCount).toBe(0);
    });

    it.each(['ops', 'finance', 'admin'] as const)('%s sees every booking', async (persona) => {
      const page = await list(persona);
      expect(page.nodes.map((b) => b.id)).toEqual(expect.arrayContaining([mine.id, theirs.id, mixed.id]));
      expect(page.totalCount).toBe((await snapshotCounts(t)).bookings);
    });

    it('filters by provider, customer, postal code, status and start window', async () => {
      expect((await list('ops', { filter: { providerId: t.users.otherProvider.id, customerId: t.users.customer.id } })).nodes.map((b) => b.id)).toEqual([mixed.id]);
      const byPostalCode = await list('ops', { filter: { postalCode: '200200' } });
      expect(byPostalCode.nodes.map((b) => b.id)).toEqual([theirs.id]);
      const pending = await list('ops', { filter: { status: ['pending'] } });
      expect(pending.nodes.every((b) => b.status === 'pending')).toBe(true);
      expect((await list('ops', { filter: { status: ['completed', 'no_show'] } })).totalCount).toBe(0);
      const window = await list('ops', { filter: { startsFrom: theirs.startsAt, startsTo: mixed.startsAt } });
      expect(window.nodes.map((b) => b.id)).toEqual([theirs.id]);
    });

    it('refuses anonymous callers', async () => {
      expect(errorOf(await t.gql(BOOKING, { id: mine.id })).extensions.code).toBe('UNAUTHENTICATED');
      expect(errorOf(await t.gql(BOOKINGS, {})).extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('changing', () => {
    it('finance is read-only: FORBIDDEN on every booking mutation, and nothing changes', async () => {
      const before = await snapshotCounts(t);
      const attempts = [
        t.gql(CREATE_BOOKING, { input: bookingInput(t, { customerId: t.users.customer.id }) }, t.tokens.finance),
        t.gql(CONFIRM, { id: mine.id }, t.tokens.finance),
        t.gql(RESCHEDULE, { id: mine.id, input: freshSlot(t) }, t.tokens.finance),
        t.gql(CANCEL, { id: mine.id }, t.tokens.finance),
        t.gql(COMPLETE, { id: mine.id }, t.tokens.finance),
        t.gql(`mutation ($id: ID!) { markNoShow(id: $id) { id } }`, { id: mine.id }, t.tokens.finance),
      ];
      for (const result of await Promise.all(attempts)) expect(errorOf(result).extensions.code).toBe('FORBIDDEN');
      expect(await snapshotCounts(t)).toEqual(before);
      expect(dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: mine.id }, t.tokens.finance)).booking).toMatchObject({ status: 'pending', version: 1 });
    });

    it('another customer cannot cancel or reschedule someone else’s booking: NOT_FOUND, unchanged', async () => {
      const before = await snapshotCounts(t);
      expect(errorOf(await t.gql(CANCEL, { id: mine.id }, t.tokens.otherCustomer)).extensions.code).toBe('NOT_FOUND');
      expect(errorOf(await t.gql(RESCHEDULE, { id: mine.id, input: freshSlot(t) }, t.tokens.otherCustomer)).extensions.code).toBe('NOT_FOUND');
      expect(errorOf(await t.gql(CONFIRM, { id: mine.id }, t.tokens.otherProvider)).extensions.code).toBe('NOT_FOUND');
      expect(await snapshotCounts(t)).toEqual(before);
      expect(dataOf(await t.gql<{ booking: BookingView }>(BOOKING, { id: mine.id }, t.tokens.customer)).booking).toMatchObject({ status: 'pending', version: 1 });
    });

    it('a customer may not confirm even their own booking', async () => {
      expect(errorOf(await t.gql(CONFIRM, { id: mine.id }, t.tokens.customer)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_REQUIRED' });
    });

    it('a customer books only for themselves', async () => {
      const before = await snapshotCounts(t);
      const result = await t.gql(CREATE_BOOKING, { input: bookingInput(t, { customerId: t.users.otherCustomer.id }) }, t.tokens.customer);
      expect(errorOf(result).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'BOOKING_ACTION_FORBIDDEN' });
      const asSelf = dataOf(await t.gql<{ createBooking: BookingView }>(CREATE_BOOKING, { input: bookingInput(t, { customerId: t.users.customer.id }) }, t.tokens.customer));
      expect(asSelf.createBooking.customer.id).toBe(t.users.customer.id);
      expect((await snapshotCounts(t)).bookings).toBe(before.bookings + 1);
    });

    it('providers cannot create bookings', async () => {
      expect(errorOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.provider)).extensions.code).toBe('FORBIDDEN');
    });

    it('ops must name a real customer and a real provider', async () => {
      const before = await snapshotCounts(t);
      expect(errorOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.ops)).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'BOOKING_CUSTOMER_REQUIRED',
      });
      expect(errorOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t, { customerId: t.users.provider.id }) }, t.tokens.ops)).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'USER_LACKS_ROLE',
      });
      expect(errorOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t, { providerId: t.users.customer.id }) }, t.tokens.customer)).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'USER_LACKS_ROLE',
      });
      expect(errorOf(await t.gql(CREATE_BOOKING, { input: bookingInput(t, { providerId: randomUUID() }) }, t.tokens.customer)).extensions.code).toBe('NOT_FOUND');
      expect(await snapshotCounts(t)).toEqual(before);
    });

    it('ops and admins change any booking; providers their own', async () => {
      const a = await createBooking(t, { customerId: t.users.otherCustomer.id, providerId: t.users.otherProvider.id }, 'admin');
      expect(dataOf(await t.gql<{ confirmBooking: BookingView }>(CONFIRM, { id: a.id }, t.tokens.ops)).confirmBooking.status).toBe('confirmed');
      expect(dataOf(await t.gql<{ cancelBooking: BookingView }>(CANCEL, { id: a.id }, t.tokens.admin)).cancelBooking).toMatchObject({
        status: 'cancelled',
        cancelledBy: { id: t.users.admin.id },
      });
      const b = await createBooking(t);
      expect(dataOf(await t.gql<{ cancelBooking: BookingView }>(CANCEL, { id: b.id }, t.tokens.provider)).cancelBooking).toMatchObject({
        status: 'cancelled',
        cancelledBy: { id: t.users.provider.id },
      });
    });
  });

  describe('pagination', () => {
    it('walks every page with the cursor, in start order, without repeats', async () => {
      for (let i = 0; i < 5; i++) await createBooking(t, { customerId: t.users.otherCustomer.id, providerId: t.users.otherProvider.id, postalCode: 'PAGE-1' }, 'ops');
      const seen: ListResult['bookings']['nodes'] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page: ListResult['bookings'] = await list('ops', { filter: { postalCode: 'PAGE-1' }, page: { first: 2, ...(after ? { after } : {}) } });
        pages++;
        expect(page.totalCount).toBe(5);
        expect(page.nodes.length).toBeLessThanOrEqual(2);
        seen.push(...page.nodes);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
        expect(after).toEqual(expect.any(String));
      }
      expect(pages).toBe(3);
      expect(new Set(seen.map((b) => b.id)).size).toBe(5);
      const starts = seen.map((b) => new Date(b.startsAt).getTime());
      expect(starts).toEqual([...starts].sort((x, y) => x - y));
    });

    it('refuses a forged cursor and a page size out of range', async () => {
      expect(errorOf(await t.gql(BOOKINGS, { page: { first: 2, after: 'not-a-cursor' } }, t.tokens.ops)).extensions.code).toBe('BAD_USER_INPUT');
      expect(errorOf(await t.gql(BOOKINGS, { page: { first: 500 } }, t.tokens.ops)).extensions.code).toBe('BAD_USER_INPUT');
    });
  });
});
