import { EntityManager } from '@mikro-orm/postgresql';
import { BookingEventType } from './booking-event.entity';
import { BookingStatus } from './booking.entity';
import { NewBookingFields } from './new-booking';
import { PaymentStatus } from './payment.entity';

/** A checked new booking, ready to insert. `position` orders a batch: an earlier row wins an overlap. */
export interface NewBookingRow extends NewBookingFields {
  position: number;
  id: string;
}

/**
 * Every row in one statement: bookings with ON CONFLICT DO NOTHING (which works with the
 * exclusion constraint: a row overlapping an active booking, or an earlier row of the batch, is
 * skipped and absent from the result), then the `created` event and the pending payment of each
 * inserted booking. One statement is one transaction, so no booking exists without its event.
 * The rows travel as one jsonb parameter, whatever their count.
 */
const INSERT_NEW_BOOKINGS = `
with item as (
  select * from jsonb_to_recordset(?::jsonb) as r(
    "position" int, "id" uuid, "customerId" uuid, "providerId" uuid, "serviceName" text, "startsAt" timestamptz, "endsAt" timestamptz,
    "timezone" text, "address" text, "postalCode" text, "note" text, "price" numeric(12, 2), "currency" text
  )
), booking as (
  insert into bookings (id, created_at, updated_at, customer_id, provider_id, service_name, starts_at, ends_at,
                        timezone, address, postal_code, note, price, currency, status, version)
  select "id", ?, ?, "customerId", "providerId", "serviceName", "startsAt", "endsAt",
         "timezone", "address", "postalCode", "note", "price", "currency", ?, 1
  from item order by "position"
  on conflict do nothing
  returning id, price, currency
), event as (
  insert into booking_events (id, created_at, updated_at, booking_id, type, booking_version, actor_id, occurred_at, data)
  select gen_random_uuid(), ?, ?, id, ?, 1, ?, ?, '{}'::jsonb from booking
  returning id, booking_id
), payment as (
  insert into payments (id, created_at, updated_at, booking_id, amount, currency, status)
  select gen_random_uuid(), ?, ?, id, price, currency, ? from booking
)
select booking_id, id as event_id from event`;

/**
 * Inserts new bookings with their `created` events and pending payments, as createBooking and
 * imports both write them, in one round trip. Returns the event id of each booking written;
 * a booking absent from it overlapped. `writtenAt` stamps the rows; `occurredAt` is the event's moment.
 */
export async function insertNewBookings(
  em: EntityManager,
  rows: readonly NewBookingRow[],
  actorId: string | null,
  occurredAt: Date,
  writtenAt: Date,
): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  // Through knex with bind parameters: em.execute would inline the JSON into the SQL text, escaping it in JS.
  const { rows: written } = await em.getKnex().raw<{ rows: { booking_id: string; event_id: string }[] }>(INSERT_NEW_BOOKINGS, [
    JSON.stringify(rows),
    ...[writtenAt, writtenAt, BookingStatus.pending],
    ...[writtenAt, writtenAt, BookingEventType.created, actorId, occurredAt],
    ...[writtenAt, writtenAt, PaymentStatus.pending],
  ]);
  return new Map(written.map((row) => [row.booking_id, row.event_id]));
}
