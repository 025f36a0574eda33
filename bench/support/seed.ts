import { Pool } from 'pg';
import { Role } from '../../src/auth/role';
import { DAY, HOUR, MINUTE } from './time';

/**
 * Rows written straight into Herald's tables with set-based SQL (generate_series), so seeding
 * 100,000 of anything takes seconds and leaves the bench process idle. Only columns of the
 * committed migrations are named; anything newer must have a default.
 */

export interface UsersSpec {
  role: Role;
  count: number;
  /** Names and emails are `<label> <n>` and `<label><n>@bench.test`. */
  label: string;
  /** Link Telegram chats `firstChatId + n` (n = 1…count). */
  firstChatId?: number;
}

/** Inserts users; returns their ids. */
export async function insertUsers(db: Pool, spec: UsersSpec): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `insert into users (id, created_at, updated_at, name, email, locale, timezone, roles, telegram_chat_id)
     select gen_random_uuid(), now(), now(), $1 || ' ' || n, $2 || n || '@bench.test', 'en', 'Asia/Tashkent', array[$3]::text[],
            case when $4::bigint is null then null else $4::bigint + n end
       from generate_series(1, $5::int) n
     returning id`,
    [spec.label, spec.label.toLowerCase().replace(/\W+/g, '-'), spec.role, spec.firstChatId ?? null, spec.count],
  );
  return rows.map((row) => row.id);
}

export interface BookingsSpec {
  customers: readonly string[];
  providers: readonly string[];
  count: number;
  /**
   * Booking i goes to provider i mod P, customer i mod C, at `firstStartsAt + floor(i / P) * slotMs`:
   * no two bookings of a provider overlap while durationMs ≤ slotMs.
   */
  firstStartsAt: Date;
  slotMs: number;
  durationMs: number;
  status: 'pending' | 'confirmed';
  /** Also write each booking's `created` booking_events row, as createBooking does. */
  withCreatedEvents: boolean;
  /** Bookings per statement (and so per transaction). */
  batchSize?: number;
}

/** Inserts bookings (and their `created` events) in batches; returns how many. */
export async function insertBookings(db: Pool, spec: BookingsSpec): Promise<number> {
  const batch = spec.batchSize ?? spec.count;
  const slot = `($3::timestamptz + ((n / cardinality($2::uuid[]))::float8 * $4::float8) * interval '1 millisecond')`;
  const bookings = `insert into bookings (id, created_at, updated_at, customer_id, provider_id, service_name, starts_at, ends_at, timezone, price, currency, status, version)
     select gen_random_uuid(), now(), now(), ($1::uuid[])[n % cardinality($1::uuid[]) + 1], ($2::uuid[])[n % cardinality($2::uuid[]) + 1], 'Haircut',
            ${slot}, ${slot} + $5::float8 * interval '1 millisecond', 'Asia/Tashkent', 150000.00, 'UZS', $6, 1
       from generate_series($7::int, $8::int) n`;
  const sql = spec.withCreatedEvents
    ? `with created as (${bookings} returning id, customer_id, version)
       insert into booking_events (id, created_at, updated_at, booking_id, type, booking_version, actor_id, occurred_at, data)
       select gen_random_uuid(), now(), now(), id, 'created', version, customer_id, now(), '{}'::jsonb from created`
    : bookings;
  for (let first = 0; first < spec.count; first += batch) {
    const last = Math.min(spec.count, first + batch) - 1;
    await db.query(sql, [spec.customers, spec.providers, spec.firstStartsAt, spec.slotMs, spec.durationMs, spec.status, first, last]);
  }
  return spec.count;
}

export interface DueRowsSpec {
  count: number;
  channel: 'in_app' | 'telegram' | 'email' | 'sms';
  /** What the rows are (default booking_confirmation); planning would leave either with the booking's slot as payload. */
  type?: 'booking_confirmation' | 'booking_reminder';
  /** Row i is due at `firstDueAt + i * spreadMs / count`. */
  firstDueAt: Date;
  spreadMs: number;
  /** Rows i of each scenario get dedup_key `<keyPrefix>:<i>`. */
  keyPrefix: string;
}

/**
 * Inserts `queued` booking confirmations (or reminders) with due_at set, as planning would leave
 * them (payload = the booking's slot), spread round-robin over the existing bookings, each to its customer.
 */
export async function insertDueRows(db: Pool, spec: DueRowsSpec): Promise<void> {
  await db.query(
    `with b as (select id, customer_id, starts_at, ends_at, (row_number() over (order by starts_at, id))::int - 1 as k from bookings),
          total as (select count(*)::int as bookings from b)
     insert into notifications (id, created_at, updated_at, recipient_id, booking_id, type, channel, offset_seconds, due_at, status, attempts, booking_version, payload, dedup_key)
     select gen_random_uuid(), now(), now(), b.customer_id, b.id, $6, $1, 0,
            $2::timestamptz + (n::float8 * $3::float8) * interval '1 millisecond', 'queued', 0, 1,
            jsonb_build_object('startsAt', b.starts_at, 'endsAt', b.ends_at), $4 || ':' || n
       from generate_series(0, $5::int - 1) n join b on b.k = n % (select bookings from total)`,
    [spec.channel, spec.firstDueAt, spec.spreadMs / spec.count, spec.keyPrefix, spec.count, spec.type ?? 'booking_confirmation'],
  );
}

/** Rows per status among the notifications matching `where` (SQL over `notifications`). */
export async function statusCounts(db: Pool, where = 'true', params: unknown[] = []): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; count: number }>(
    `select status, count(*)::int as count from notifications where ${where} group by status`,
    params,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

/** Rows that have left queued/sending/planned. */
export const settledCount = (counts: Record<string, number>): number =>
  Object.entries(counts)
    .filter(([status]) => !['planned', 'queued', 'sending'].includes(status))
    .reduce((sum, [, count]) => sum + count, 0);

/**
 * `customers` customers, each with one confirmed booking ten days ahead (a provider per hundred
 * customers), as recipients of rows written directly. No booking events: nothing gets planned.
 */
export async function insertBookedCustomers(db: Pool, options: { customers: number; firstChatId?: number }): Promise<void> {
  const customers = await insertUsers(db, { role: Role.customer, count: options.customers, label: 'Customer', firstChatId: options.firstChatId });
  const providers = await insertUsers(db, { role: Role.provider, count: Math.ceil(options.customers / 100), label: 'Provider' });
  await insertBookings(db, {
    customers,
    providers,
    count: options.customers,
    firstStartsAt: new Date(Date.now() + 10 * DAY),
    slotMs: HOUR,
    durationMs: 45 * MINUTE,
    status: 'confirmed',
    withCreatedEvents: false,
  });
}
