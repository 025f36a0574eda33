import { Pool } from 'pg';
import { DeliverySink } from '../../../bench/support/sink';

/** What reached the peers against what was planned, one key per message. */
export interface Tally {
  expected: number;
  /** Planned messages that arrived at least once. */
  delivered: number;
  /** Planned messages that never arrived. */
  lost: number;
  /** Arrivals beyond the first of their message. */
  duplicated: number;
  /** Arrivals of messages nobody planned. */
  unexpected: number;
}

/** Counts `arrivals` (one key per message a peer received, repeats included) against the `expected` keys. */
export function tally(expected: Iterable<string>, arrivals: Iterable<string>): Tally {
  const planned = new Set(expected);
  const seen = new Map<string, number>();
  for (const key of arrivals) seen.set(key, (seen.get(key) ?? 0) + 1);
  const result: Tally = { expected: planned.size, delivered: 0, lost: 0, duplicated: 0, unexpected: 0 };
  for (const key of planned) if (!seen.has(key)) result.lost++;
  for (const [key, times] of seen) {
    if (!planned.has(key)) {
      result.unexpected += times;
      continue;
    }
    result.delivered++;
    result.duplicated += times - 1;
  }
  return result;
}

/** The suite's one line per count: `fault <scenario>: expected N, delivered N, lost N, duplicated N`. */
export function printTally(scenario: string, counted: Tally, note = ''): void {
  const unexpected = counted.unexpected ? `, unexpected ${counted.unexpected}` : '';
  process.stdout.write(`fault ${scenario}: expected ${counted.expected}, delivered ${counted.delivered}, lost ${counted.lost}, duplicated ${counted.duplicated}${unexpected}${note ? ` (${note})` : ''}\n`);
}

/** The part of a tally that must be zero. */
export const faults = (counted: Tally) => ({ lost: counted.lost, duplicated: counted.duplicated, unexpected: counted.unexpected });
export const NO_FAULTS = { lost: 0, duplicated: 0, unexpected: 0 };


/**
 * In-app arrivals: every announcement on the live topic, and a sent row that was never
 * announced once (the row is the inbox item; a process killed between recording it and
 * publishing loses only the live push). A row announced twice counts twice.
 */
export async function inAppArrivals(db: Pool, sink: DeliverySink): Promise<string[]> {
  const announced = sink.deliveries.map((delivery) => delivery.notificationId);
  const heard = new Set(announced);
  const sent = await rowIds(db, `channel = 'in_app' and status = 'sent'`);
  return [...announced, ...sent.filter((id) => !heard.has(id))];
}

/** Ids of the notifications matching `where` (SQL over `notifications`). */
export async function rowIds(db: Pool, where: string, params: unknown[] = []): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from notifications where ${where}`, params);
  return rows.map((row) => row.id);
}

/** How many notifications matching `where` are still planned, queued or sending. */
export async function pendingCount(db: Pool, where = 'true', params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ count: number }>(`select count(*)::int as count from notifications where status in ('planned', 'queued', 'sending') and (${where})`, params);
  return rows[0].count;
}

/** How many notifications matching `where` are sent. */
export async function sentCount(db: Pool, where = 'true', params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ count: number }>(`select count(*)::int as count from notifications where status = 'sent' and (${where})`, params);
  return rows[0].count;
}
