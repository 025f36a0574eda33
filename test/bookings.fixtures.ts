import type { GraphQLFormattedError } from 'graphql';
import { BookingEventRelay } from '../src/notifications/planning/booking-event-relay';
import type { GqlResult, Persona, TestApp } from './support/test-app';

/** Shared by the bookings e2e specs: queries, a booking factory, row counts. */

export const BOOKING_FIELDS = `
  id status version serviceName startsAt endsAt timezone address postalCode note price currency
  cancellationReason cancelledAt cancelledBy { id }
  customer { id name } provider { id name }
  payments { id bookingId amount currency status heldSince capturedAt refundedAt }
  signatureRequests { id bookingId status requestedAt signedAt }
`;

export const CREATE_BOOKING = `mutation CreateBooking($input: CreateBookingInput!) { createBooking(input: $input) { ${BOOKING_FIELDS} } }`;
export const BOOKING = `query Booking($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} } }`;
export const BOOKINGS = `query Bookings($filter: BookingsFilter, $page: PageInput) {
  bookings(filter: $filter, page: $page) { totalCount pageInfo { endCursor hasNextPage } nodes { id status startsAt customer { id } provider { id } } }
}`;
export const CONFIRM = `mutation Confirm($id: ID!, $expectedVersion: Int) { confirmBooking(id: $id, expectedVersion: $expectedVersion) { ${BOOKING_FIELDS} } }`;
export const RESCHEDULE = `mutation Reschedule($id: ID!, $input: RescheduleBookingInput!) { rescheduleBooking(id: $id, input: $input) { ${BOOKING_FIELDS} } }`;
export const CANCEL = `mutation Cancel($id: ID!, $input: CancelBookingInput) { cancelBooking(id: $id, input: $input) { ${BOOKING_FIELDS} } }`;
export const COMPLETE = `mutation Complete($id: ID!, $expectedVersion: Int) { completeBooking(id: $id, expectedVersion: $expectedVersion) { ${BOOKING_FIELDS} } }`;
export const NO_SHOW = `mutation NoShow($id: ID!, $expectedVersion: Int) { markNoShow(id: $id, expectedVersion: $expectedVersion) { ${BOOKING_FIELDS} } }`;

export interface BookingView {
  id: string;
  status: string;
  version: number;
  serviceName: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  address: string | null;
  postalCode: string | null;
  note: string | null;
  price: string;
  currency: string;
  cancellationReason: string | null;
  cancelledAt: string | null;
  cancelledBy: { id: string } | null;
  customer: { id: string; name: string };
  provider: { id: string; name: string };
  payments: { id: string; bookingId: string; amount: string; currency: string; status: string; heldSince: string | null; capturedAt: string | null; refundedAt: string | null }[];
  signatureRequests: { id: string; bookingId: string; status: string; requestedAt: string; signedAt: string | null }[];
}

const HOUR = 3_600_000;
let slotCounter = 0;

/**
 * A one-hour slot that no other call in this process returns: each call moves three hours further,
 * starting two days from the clock's now, so specs never collide by accident.
 */
export function freshSlot(t: TestApp, hours = 1): { startsAt: string; endsAt: string } {
  const start = t.clock.now().getTime() + 48 * HOUR + slotCounter++ * 3 * HOUR;
  return { startsAt: new Date(start).toISOString(), endsAt: new Date(start + hours * HOUR).toISOString() };
}

export function bookingInput(t: TestApp, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerId: t.users.provider.id,
    serviceName: 'Haircut',
    ...freshSlot(t),
    timezone: 'Asia/Tashkent',
    address: 'Amir Temur Ave 15',
    postalCode: '100000',
    price: '150000',
    currency: 'UZS',
    ...overrides,
  };
}

/**
 * Creates a booking through GraphQL as `as` (the customer by default) and fails the test on any
 * error. Returns once the relay has planned its notifications, so specs read a settled plan.
 */
export async function createBooking(t: TestApp, overrides: Record<string, unknown> = {}, as: Persona = 'customer'): Promise<BookingView> {
  const result = await t.gql<{ createBooking: BookingView }>(CREATE_BOOKING, { input: bookingInput(t, overrides) }, t.tokens[as]);
  const booking = dataOf(result).createBooking;
  await t.app.get(BookingEventRelay).drain();
  return booking;
}

/** The data of a successful result; a result with errors fails with them in the message. */
export function dataOf<T>(result: GqlResult<T>): T {
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** The single error of a failed result. */
export function errorOf(result: GqlResult<unknown>): GraphQLFormattedError & { extensions: Record<string, unknown> } {
  expect(result.errors).toHaveLength(1);
  return result.errors![0] as GraphQLFormattedError & { extensions: Record<string, unknown> };
}

export async function countRows(t: TestApp, table: 'bookings' | 'payments' | 'booking_events' | 'signature_requests' | 'users'): Promise<number> {
  const [row] = await t.orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from "${table}"`);
  return row.n;
}

/** Row counts of every bookings table, to prove a refused call changed nothing. */
export async function snapshotCounts(t: TestApp): Promise<Record<string, number>> {
  return {
    bookings: await countRows(t, 'bookings'),
    payments: await countRows(t, 'payments'),
    booking_events: await countRows(t, 'booking_events'),
    signature_requests: await countRows(t, 'signature_requests'),
  };
}

export async function eventRows(t: TestApp, bookingId: string): Promise<{ type: string; booking_version: number; actor_id: string | null; data: Record<string, unknown> }[]> {
  return t.orm.em
    .getConnection()
    .execute(`select type, booking_version, actor_id, data from booking_events where booking_id = ? order by booking_version`, [bookingId]);
}
