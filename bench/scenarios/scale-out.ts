import { QueueEvents } from 'bullmq';
import { NOTIFICATIONS_QUEUE } from '../../src/notifications/queue/notification-queue';
import { bullConnection } from '../support/bullmq-baseline';
import { awaitSettled, describeCounts, writeDueRows } from '../support/due-rows';
import { ProcessSpec } from '../support/herald';
import { atLeast, atMost, Metric, metric } from '../support/report';
import { Scenario, ScenarioRun } from '../support/scenario';
import { insertBookedCustomers } from '../support/seed';
import { perSecond } from '../support/stats';
import { SECOND } from '../support/time';

interface Topology {
  api: number;
  worker: number;
  scheduler: number;
}

/** One, two, three workers; the last is the deployment the capacity figures speak of: 2 API, 3 worker, 2 scheduler. */
const TOPOLOGIES: readonly Topology[] = [
  { api: 0, worker: 1, scheduler: 1 },
  { api: 0, worker: 2, scheduler: 1 },
  { api: 2, worker: 3, scheduler: 2 },
];

/** Workers in the provider-bound rounds, each beside one scheduler. */
const PROVIDER_BOUND_WORKERS: readonly number[] = [1, 2, 3];

/**
 * How late the SMTP server answers each message, as a relay does (tens of milliseconds): a
 * worker's sends then wait on the provider through its few SMTP connections, not on the CPU.
 */
const PROVIDER_ANSWER_MS = 50;

/** Maintenance ticks this often, so every round sees several asked for by each scheduler. */
const PROMOTE_EVERY = '2s';

const processesOf = (topology: Topology): ProcessSpec[] =>
  (['api', 'worker', 'scheduler'] as const).flatMap((role) => Array.from({ length: topology[role] }, () => ({ role })));

const describeTopology = (topology: Topology): string =>
  (['api', 'worker', 'scheduler'] as const)
    .filter((role) => topology[role] > 0)
    .map((role) => `${topology[role]} ${role}`)
    .join(', ');

/** Postgres' WAL position now (an LSN). */
async function walPosition(run: ScenarioRun): Promise<string> {
  const { rows } = await run.db.query<{ lsn: string }>(`select pg_current_wal_lsn()::text as lsn`);
  return rows[0].lsn;
}

/** WAL bytes written since `lsn`. */
async function walSince(run: ScenarioRun, lsn: string): Promise<number> {
  const { rows } = await run.db.query<{ bytes: string }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint as bytes`, [lsn]);
  return Number(rows[0].bytes);
}

/** Bytes per row: its tuple (pg_column_size), the table's and all its indexes' size divided by the rows. */
interface RowBytes {
  tuple: number;
  heap: number;
  indexes: number;
}

/**
 * What the sent rows take on disk, per row: as the sends left them (each row's earlier versions
 * still in the table and its indexes until reused), and packed (after VACUUM FULL), with each index.
 */
async function storagePerRow(run: ScenarioRun): Promise<{ asSent: RowBytes; packed: RowBytes; perIndex: Record<string, number> }> {
  const sizes = async (): Promise<RowBytes> => {
    const { rows } = await run.db.query<{ rows: number; tuple: number; heap: string; indexes: string }>(
      `select count(*)::int as rows, avg(pg_column_size(n.*))::int as tuple,
              pg_relation_size('notifications') as heap, pg_indexes_size('notifications') as indexes
         from notifications n`,
    );
    const [{ rows: count, tuple, heap, indexes }] = rows;
    return { tuple, heap: Math.round(Number(heap) / count), indexes: Math.round(Number(indexes) / count) };
  };
  const asSent = await sizes();
  await run.db.query(`vacuum full notifications`);
  const packed = await sizes();
  const { rows: perIndex } = await run.db.query<{ name: string; bytes: string }>(
    `select indexrelname as name, pg_relation_size(indexrelid) as bytes from pg_stat_user_indexes where relname = 'notifications' order by indexrelname`,
  );
  const count = (await run.db.query<{ count: number }>(`select count(*)::int as count from notifications`)).rows[0].count;
  return { asSent, packed, perIndex: Object.fromEntries(perIndex.map((index) => [index.name, Math.round(Number(index.bytes) / count)])) };
}

/**
 * Watches the maintenance queue's events: every tick job (`promote-<tick>`, …) that completed and
 * how often, and how often a scheduler asked for a tick another had asked for already.
 */
async function watchTicks(run: ScenarioRun): Promise<{ completions: Map<string, number>; duplicated: () => number; close: () => Promise<void> }> {
  const events = new QueueEvents(NOTIFICATIONS_QUEUE, { connection: bullConnection(run.redisUrl), prefix: `${run.keyPrefix}:bull` });
  run.onClose(() => events.close());
  await events.waitUntilReady();
  const completions = new Map<string, number>();
  let duplicated = 0;
  events.on('completed', ({ jobId }) => completions.set(jobId, (completions.get(jobId) ?? 0) + 1));
  events.on('duplicated', () => duplicated++);
  return { completions, duplicated: () => duplicated, close: () => events.close() };
}

/**
 * The same due in-app workload (rows written straight to Postgres, all due at one moment) through
 * one, two and three worker processes, the largest with two API and two scheduler processes
 * beside them: rows per second from that moment until Postgres records every one `sent`. Each
 * message must arrive once on the live topic, and each maintenance tick must run once however
 * many schedulers ask for it. In-app sends are CPU work, so on a machine of few cores more
 * processes share the same CPU; the provider-bound email rounds show what more workers add when
 * sends wait on a provider instead, as real ones do.
 */
export const scaleOut: Scenario = {
  name: 'scale-out',
  description:
    'due in-app rows delivered per second by 1, 2 and 3 worker processes (the last with 2 API and 2 schedulers), then due emails through 1, 2 and 3 workers to a provider answering in 50 ms: each sent once, each tick run once',
  async run(run) {
    const count = run.settings.scaled('N', 20_000, 100);
    const recipients = run.settings.scaled('USERS', 500, 10);
    const timeoutMs = run.settings.fixed('TIMEOUT_S', 300) * SECOND;
    await insertBookedCustomers(run.db, { customers: recipients });

    const rounds: { topology: Topology; perSecond: number | null; expected: number; sent: number; doubles: number; walPerRow: number }[] = [];
    let tickRepeats = 0;
    for (const topology of TOPOLOGIES) {
      await run.db.query(`delete from notifications`);
      const sink = await run.sink();
      const ticks = await watchTicks(run);
      const deployment = await run.deploy(processesOf(topology), { NOTIFY_PROMOTE_EVERY: PROMOTE_EVERY });
      const walAt = await walPosition(run);
      const rows = await writeDueRows(run, deployment, { count, channel: 'in_app', spreadMs: 0, keyPrefix: `${run.scenario.name}-${topology.worker}` });
      const settled = await awaitSettled(run, count, rows.firstDueAt + timeoutMs - Date.now());
      const sent = settled.counts.sent ?? 0;
      // The live announcement follows the recording: give the last ones a moment to arrive.
      await run.waitFor(() => sink.distinct >= sent, 5 * SECOND);
      const walPerRow = Math.round((await walSince(run, walAt)) / count);
      await run.stopDeployments();
      await Promise.all([sink.close(), ticks.close()]);

      const elapsedMs = settled.lastSentAt === null ? null : settled.lastSentAt - rows.firstDueAt;
      const rate = settled.done && elapsedMs !== null ? perSecond(sent, elapsedMs) : null;
      const repeats = [...ticks.completions.values()].reduce((sum, runs) => sum + runs - 1, 0);
      tickRepeats += repeats;
      rounds.push({ topology, perSecond: rate, expected: count, sent, doubles: sink.doubles, walPerRow });
      run.notes.push(
        `${describeTopology(topology)}: ${describeCounts(settled.counts, count)}${rate === null ? ', timed out' : `, ${Math.round(rate)}/s`}; ` +
          `live topic ${sink.distinct} delivered, ${sink.doubles} doubles; ${ticks.completions.size} tick jobs ran, ${repeats} more than once, ` +
          `${ticks.duplicated()} asked for again by another scheduler; ${walPerRow} B of WAL per row`,
      );
      run.details[`workers-${topology.worker}`] = { topology, ...settled, elapsedMs, walPerRow, ticks: Object.fromEntries(ticks.completions), duplicated: ticks.duplicated() };
    }
    // The last round's rows, all sent: what a day of them takes on disk (the README's Capacity section).
    const storage = await storagePerRow(run);
    const providerBound = await providerBoundRounds(run, run.settings.scaled('EMAIL_N', 3_000, 100), timeoutMs);
    run.details.bytesPerRow = storage;
    const { packed } = storage;

    const [one] = rounds;
    const metrics: Metric[] = rounds.map((round) =>
      metric({
        name: `delivered/s, ${describeTopology(round.topology)}`,
        unit: '/s',
        measured: round.perSecond,
        baseline: round === one ? null : one.perSecond,
      }),
    );
    const [alone] = providerBound;
    metrics.push(
      ...providerBound.map((round) =>
        metric({
          name: `emails/s, provider answering in ${PROVIDER_ANSWER_MS} ms, ${round.workers} worker${round.workers > 1 ? 's' : ''}`,
          unit: '/s',
          measured: round.perSecond,
          baseline: round === alone ? null : alone.perSecond,
          // Sends wait on the provider, so each worker adds its own connections' worth, less what the shared CPU takes.
          ratioTarget: round === alone ? undefined : atLeast(0.8 * round.workers),
        }),
      ),
      metric({
        name: 'sent twice or not sent',
        unit: '',
        measured: [...rounds, ...providerBound].reduce((sum, round) => sum + round.doubles + (round.expected - round.sent), 0),
        target: atMost(0),
      }),
      metric({ name: 'tick runs beyond one', unit: '', measured: tickRepeats, target: atMost(0) }),
      metric({ name: 'WAL per delivered row', unit: 'B', measured: rounds[rounds.length - 1].walPerRow }),
      metric({ name: 'sent row on disk, packed, with indexes', unit: 'B', measured: packed.heap + packed.indexes }),
    );
    return metrics;
  },
};

const meanOf = (values: number[]): number => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0);

/**
 * The same due emails through 1, 2 and 3 workers, the SMTP server answering each one
 * PROVIDER_ANSWER_MS late: emails per second from the first one's due time until the last is
 * recorded, and how many arrived twice (by their X-Herald-Notification header) or not at all.
 */
async function providerBoundRounds(
  run: ScenarioRun,
  count: number,
  timeoutMs: number,
): Promise<{ workers: number; perSecond: number | null; expected: number; sent: number; doubles: number }[]> {
  const rounds = [];
  for (const workers of PROVIDER_BOUND_WORKERS) {
    await run.db.query(`delete from notifications`);
    const { peer, env } = await run.emailPeer({ keepMessages: true, answerDelayMs: PROVIDER_ANSWER_MS });
    const deployment = await run.deploy([...Array.from({ length: workers }, () => ({ role: 'worker' as const })), { role: 'scheduler' }], env);
    const rows = await writeDueRows(run, deployment, { count, channel: 'email', spreadMs: 0, keyPrefix: `${run.scenario.name}-email-${workers}` });
    // How many messages the provider holds at once, sampled: what the workers' connections carry.
    const atProvider: number[] = [];
    const sampler = setInterval(() => Date.now() >= rows.firstDueAt && atProvider.push(peer.answering), 50);
    const settled = await awaitSettled(run, count, rows.firstDueAt + timeoutMs - Date.now());
    clearInterval(sampler);
    await run.stopDeployments();
    await peer.stop();

    const arrivals = peer.notificationIds();
    const distinct = new Set(arrivals).size;
    const sent = settled.counts.sent ?? 0;
    const elapsedMs = settled.lastSentAt === null ? null : settled.lastSentAt - rows.firstDueAt;
    const rate = settled.done && elapsedMs !== null ? perSecond(sent, elapsedMs) : null;
    rounds.push({ workers, perSecond: rate, expected: count, sent: Math.min(sent, distinct), doubles: arrivals.length - distinct });
    run.notes.push(
      `${workers} worker${workers > 1 ? 's' : ''}, provider answering in ${PROVIDER_ANSWER_MS} ms: ${describeCounts(settled.counts, count)}` +
        `${rate === null ? ', timed out' : `, ${Math.round(rate)}/s`}; the SMTP server took ${distinct} distinct emails, ${arrivals.length - distinct} again, ` +
        `holding ${meanOf(atProvider).toFixed(1)} at once on average (at most ${Math.max(0, ...atProvider)})`,
    );
    run.details[`provider-bound-${workers}`] = { workers, ...settled, elapsedMs, received: arrivals.length, distinct, atProvider: { mean: meanOf(atProvider), max: Math.max(0, ...atProvider) } };
  }
  return rounds;
}
