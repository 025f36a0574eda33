import { Pool } from 'pg';
import { awaitSettled, describeCounts, prepareDueRows } from '../support/due-rows';
import { atMost, metric } from '../support/report';
import { Scenario } from '../support/scenario';
import { SECOND } from '../support/time';

/**
 * Redis loses everything mid-stream: in-app rows fall due over ~20 s with a worker running;
 * when about a third are delivered, FLUSHALL. Every row must still be delivered exactly once
 * (live topic counts per notification, statuses in Postgres), and deliveries must resume soon:
 * the time from FLUSHALL to the first delivery of a row that was still `queued` just after it
 * (its wake-up had to be rebuilt from Postgres), not counting as many as one worker may have had
 * in hand unclaimed (NOTIFY_WORKER_CONCURRENCY). The sink's subscription survives FLUSHALL.
 */
export const flushall: Scenario = {
  name: 'flushall',
  description: 'FLUSHALL while due in-app rows stream out: exactly-once delivery and the time until deliveries resume',
  async run(run) {
    const count = run.settings.scaled('N', 100_000, 300);
    const spreadMs = run.settings.scaled('SPREAD_S', 20, 3) * SECOND;
    const recipients = run.settings.scaled('USERS', 500, 10);
    const timeoutMs = run.settings.fixed('TIMEOUT_S', 180) * SECOND;

    const sink = await run.sink();
    const rows = await prepareDueRows(run, { count, recipients, channel: 'in_app', spreadMs, processes: [{ role: 'worker' }] });
    const third = Math.ceil(count / 3);
    const reachedThird = await run.waitFor(() => sink.distinct >= third, rows.firstDueAt + spreadMs + timeoutMs - Date.now(), 5);
    if (!reachedThird) {
      run.notes.push(`timed out before a third was delivered: ${sink.distinct} of ${count}; no FLUSHALL done`);
      return [
        metric({ name: 'deliveries resumed after', unit: 's', measured: null, target: atMost(10) }),
        metric({ name: 'lost + doubled', unit: '', measured: null, target: atMost(0) }),
      ];
    }
    const flushedAt = Date.now();
    await run.redis().flushall();
    const queuedAtFlush = await queuedIds(run.db);
    run.log(`FLUSHALL with ${sink.distinct} of ${count} delivered, ${queuedAtFlush.size} still queued`);
    const deliveredBefore = sink.distinct;

    const settled = await awaitSettled(run, count, Math.max(rows.firstDueAt + spreadMs - Date.now(), 0) + timeoutMs, 250);
    await run.stopDeployments();

    const inHand = rows.deployment.config.NOTIFY_WORKER_CONCURRENCY;
    const resumed = sink.deliveries.filter((delivery) => delivery.at > flushedAt && queuedAtFlush.has(delivery.notificationId))[inHand];
    const lost = count - sink.distinct;
    run.details.flushall = { flushedAt, deliveredBefore, queuedAtFlush: queuedAtFlush.size, counts: settled.counts, announced: sink.count, distinct: sink.distinct, doubles: sink.doubles, resumedAt: resumed?.at ?? null };
    run.notes.push(`FLUSHALL after ${deliveredBefore} of ${count} delivered; then ${describeCounts(settled.counts, count)}; live topic: ${sink.distinct} delivered, ${sink.doubles} doubles, ${lost} never announced`);
    if (!settled.done) run.notes.push(`timed out ${timeoutMs / SECOND} s after the last row fell due`);
    return [
      metric({ name: 'deliveries resumed after', unit: 's', measured: resumed ? (resumed.at - flushedAt) / SECOND : null, target: atMost(10) }),
      metric({ name: 'lost + doubled', unit: '', measured: lost + sink.doubles, target: atMost(0) }),
    ];
  },
};

async function queuedIds(db: Pool): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(`select id from notifications where status = 'queued'`);
  return new Set(rows.map((row) => row.id));
}
