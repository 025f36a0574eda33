import { EventEmitter2 } from '@nestjs/event-emitter';
import { BookingEventPayload } from '../src/bookings/booking.events';
import { BookingEventRelay } from '../src/notifications/planning/booking-event-relay';
import { NotificationChannel } from '../src/notifications/notification.entity';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import type { TestApp } from './support/test-app';

/** Shared by the planning e2e specs: notification rows as stored, queue contents, row counts. */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * Planning specs run the API role only: no relay loop, no worker consumes the queue and no
 * scheduler promotes rows; the readers below drain the relay first, so rows and jobs are exactly
 * as planning left them once every committed booking event is planned.
 */
export const PLANNING_ENV = { HERALD_ROLE: 'api' };

export interface NotificationRow {
  id: string;
  type: string;
  channel: string;
  recipient_id: string;
  booking_id: string | null;
  offset_seconds: number;
  due_at: Date;
  status: string;
  reason: string | null;
  booking_version: number | null;
  payload: Record<string, unknown>;
  dedup_key: string;
}

const ROW_COLUMNS = 'id, type, channel, recipient_id, booking_id, offset_seconds, due_at, status, reason, booking_version, payload, dedup_key';

/** The driver hands timestamps back as strings; rows here carry Dates. */
const withDates = (rows: (Omit<NotificationRow, 'due_at'> & { due_at: string | Date })[]): NotificationRow[] =>
  rows.map((row) => ({ ...row, due_at: new Date(row.due_at) }));

/** Plans every booking event committed so far, as the relay of a worker would. */
export async function drainRelay(t: TestApp): Promise<void> {
  await t.app.get(BookingEventRelay).drain();
}

/**
 * Moves the relay's position past every event logged so far, as the migration that introduced
 * the relay did: those events count as planned before it (or never heard), and only an explicit
 * planning run (scheduleAll, planForEvent) plans them.
 */
export async function skipLoggedEvents(t: TestApp): Promise<void> {
  await t.orm.em
    .getConnection()
    .execute(`update notification_relay_positions set tx_id = pg_current_xact_id(), seq = (select coalesce(max(seq), 0) from booking_events)`);
}

export async function notificationsOf(t: TestApp, bookingId: string): Promise<NotificationRow[]> {
  await drainRelay(t);
  return withDates(
    await t.orm.em
      .getConnection()
      .execute(`select ${ROW_COLUMNS} from notifications where booking_id = ? order by booking_version, due_at, type, recipient_id, channel`, [bookingId]),
  );
}

export async function agendaRowsOf(t: TestApp, providerId: string): Promise<NotificationRow[]> {
  await drainRelay(t);
  return withDates(
    await t.orm.em
      .getConnection()
      .execute(`select ${ROW_COLUMNS} from notifications where type = 'provider_daily_agenda' and recipient_id = ? order by due_at, channel`, [providerId]),
  );
}

export async function countNotifications(t: TestApp): Promise<number> {
  await drainRelay(t);
  const [row] = await t.orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from notifications`);
  return row.n;
}

/** Every row's id and status, to prove a call changed nothing. */
export async function notificationStates(t: TestApp): Promise<Record<string, string>> {
  await drainRelay(t);
  const rows = await t.orm.em.getConnection().execute<{ id: string; status: string }[]>(`select id, status from notifications`);
  return Object.fromEntries(rows.map((row) => [row.id, row.status]));
}

/** How many delivery batches wait in the channel queues (planning adds none: Postgres is the due-queue). */
export async function countJobs(t: TestApp): Promise<number> {
  await drainRelay(t);
  const queue = t.app.get(NotificationQueue);
  const counts = await Promise.all(
    Object.values(NotificationChannel).map((channel) => queue.deliveryQueue(channel).getJobCountByTypes('waiting', 'delayed', 'prioritized', 'active')),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Group rows by a key, counting: handy for "how many of each". */
export function tally<T>(rows: T[], key: (row: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[key(row)] = (counts[key(row)] ?? 0) + 1;
  return counts;
}

/** Collects every booking event the app emits in-process, to re-emit them in tests. */
export function recordEvents(t: TestApp): BookingEventPayload[] {
  const emitted: BookingEventPayload[] = [];
  t.app.get(EventEmitter2).onAny((_name: string | string[], payload: unknown) => {
    if (payload instanceof BookingEventPayload) emitted.push(payload);
  });
  return emitted;
}
