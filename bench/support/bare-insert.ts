import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DAY, MINUTE } from './time';

/** Rows per INSERT statement in the baseline, as Herald's planner batches them. */
const INSERT_CHUNK = 1000;

/**
 * The planning scenarios' baseline: inserts `count` notification-like rows into a scratch table
 * shaped like `notifications` (same columns and indexes, ON CONFLICT on its unique dedup_key) by
 * bare multi-row INSERTs; returns the time it took.
 */
export async function bareInsert(db: Pool, count: number): Promise<number> {
  await db.query(`create table bench_scratch (like notifications including all)`);
  try {
    const columns = ['id', 'created_at', 'updated_at', 'recipient_id', 'booking_id', 'type', 'channel', 'offset_seconds', 'due_at', 'status', 'booking_version', 'payload', 'dedup_key'];
    const recipient = randomUUID();
    const booking = randomUUID();
    const started = performance.now();
    for (let first = 0; first < count; first += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, count - first);
      const now = new Date();
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (let i = 0; i < n; i++) {
        const dueAt = new Date(now.getTime() + DAY + (first + i) * MINUTE);
        const payload = JSON.stringify({ startsAt: dueAt.toISOString(), endsAt: dueAt.toISOString() });
        const row = [randomUUID(), now, now, recipient, booking, 'booking_reminder', 'in_app', 60, dueAt, 'planned', 1, payload, `scratch:${first + i}`];
        tuples.push(`(${row.map((_, column) => `$${values.length + column + 1}`).join(', ')})`);
        values.push(...row);
      }
      await db.query(`insert into bench_scratch (${columns.join(', ')}) values ${tuples.join(', ')} on conflict (dedup_key) do nothing`, values);
    }
    return performance.now() - started;
  } finally {
    await db.query(`drop table bench_scratch`);
  }
}
