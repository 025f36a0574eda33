import { Deployment, ProcessSpec } from './herald';
import { ScenarioRun } from './scenario';
import { insertBookedCustomers, insertDueRows, settledCount, statusCounts } from './seed';
import { SECOND } from './time';

/** How long before the first row is due the rows are written: enough to insert them all first. */
const LEAD_MS = 5 * SECOND;

export interface DueRowsSpec {
  count: number;
  recipients: number;
  channel: 'in_app' | 'telegram' | 'email';
  /** Rows fall due evenly over this long (0: all at once). */
  spreadMs: number;
  /** Herald processes; one scheduler is added, as every deployment has one. */
  processes: ProcessSpec[];
  env?: Record<string, string>;
  /** Give each recipient a Telegram chat, numbered from here. */
  firstChatId?: number;
}

export interface DueRows {
  deployment: Deployment;
  /** When the first row falls due (ms since epoch). */
  firstDueAt: number;
  count: number;
}

/**
 * Recipients with bookings, a running deployment, then `count` queued rows written directly
 * with due_at set, the first due a few seconds after they are all written: the engine must
 * find them on its own.
 */
export async function prepareDueRows(run: ScenarioRun, spec: DueRowsSpec): Promise<DueRows> {
  await insertBookedCustomers(run.db, { customers: spec.recipients, firstChatId: spec.firstChatId });
  const deployment = await run.deploy([...spec.processes, { role: 'scheduler' }], spec.env);
  return writeDueRows(run, deployment, { ...spec, keyPrefix: run.scenario.name });
}

/**
 * `count` queued rows for the recipients already written, with `deployment` running, the first
 * due a few seconds after they are all written. `keyPrefix` keeps their dedup keys apart from
 * those of earlier rounds of the scenario.
 */
export async function writeDueRows(
  run: ScenarioRun,
  deployment: Deployment,
  spec: Pick<DueRowsSpec, 'count' | 'channel' | 'spreadMs'> & { keyPrefix: string },
): Promise<DueRows> {
  const written = Date.now();
  const firstDueAt = written + LEAD_MS + Math.ceil(spec.count / 20_000) * SECOND;
  await insertDueRows(run.db, { count: spec.count, channel: spec.channel, firstDueAt: new Date(firstDueAt), spreadMs: spec.spreadMs, keyPrefix: spec.keyPrefix });
  const late = Date.now() - firstDueAt;
  run.log(`${spec.count.toLocaleString('en-US')} ${spec.channel} rows written in ${((Date.now() - written) / 1000).toFixed(1)} s`);
  if (late > 0) run.notes.push(`writing the rows ended ${late} ms after the first fell due`);
  return { deployment, firstDueAt, count: spec.count };
}

export interface Settled {
  /** Every row left queued/sending/planned in time. */
  done: boolean;
  counts: Record<string, number>;
  /** When the first and the last row were sent (min and max sent_at), ms since epoch. */
  firstSentAt: number | null;
  lastSentAt: number | null;
}

/** Waits until all rows have settled (sent, failed, skipped, cancelled), polling Postgres. */
export async function awaitSettled(run: ScenarioRun, count: number, timeoutMs: number, everyMs = 100): Promise<Settled> {
  let counts: Record<string, number> = {};
  const done = await run.waitFor(async () => {
    counts = await statusCounts(run.db);
    return settledCount(counts) >= count;
  }, timeoutMs, everyMs);
  const { rows } = await run.db.query<{ first: Date | null; last: Date | null }>(`select min(sent_at) as first, max(sent_at) as last from notifications`);
  return { done, counts, firstSentAt: rows[0].first?.getTime() ?? null, lastSentAt: rows[0].last?.getTime() ?? null };
}

/** "20,000 of 20,000 sent (queued 0, failed 0…)": for notes. */
export function describeCounts(counts: Record<string, number>, count: number): string {
  const others = Object.entries(counts)
    .filter(([status]) => status !== 'sent')
    .map(([status, n]) => `${status} ${n.toLocaleString('en-US')}`);
  return `${(counts.sent ?? 0).toLocaleString('en-US')} of ${count.toLocaleString('en-US')} sent${others.length ? ` (${others.join(', ')})` : ''}`;
}

/** Per sent row: due_at and sent_at (ms since epoch). */
export async function sentTimes(run: ScenarioRun): Promise<{ id: string; dueAt: number; sentAt: number }[]> {
  const { rows } = await run.db.query<{ id: string; due_at: Date; sent_at: Date }>(`select id, due_at, sent_at from notifications where status = 'sent'`);
  return rows.map((row) => ({ id: row.id, dueAt: row.due_at.getTime(), sentAt: row.sent_at.getTime() }));
}
