import { noOpThroughput } from '../support/bullmq-baseline';
import { awaitSettled, describeCounts, prepareDueRows } from '../support/due-rows';
import { atLeast, metric } from '../support/report';
import { Scenario } from '../support/scenario';
import { perSecond } from '../support/stats';
import { SECOND } from '../support/time';

/**
 * Throughput of due in-app rows through one worker process: rows written straight to Postgres,
 * all due at one moment; from that moment until Postgres records every one `sent`. Baseline:
 * the same number of jobs through a no-op BullMQ processor on the same Redis.
 */
export const delivery: Scenario = {
  name: 'delivery',
  description: 'due in-app rows delivered per second by one worker process, vs bare BullMQ no-op jobs',
  async run(run) {
    const count = run.settings.scaled('N', 20_000, 100);
    const recipients = run.settings.scaled('USERS', 500, 10);
    const timeoutMs = run.settings.fixed('TIMEOUT_S', 300) * SECOND;

    const sink = await run.sink();
    const rows = await prepareDueRows(run, { count, recipients, channel: 'in_app', spreadMs: 0, processes: [{ role: 'worker' }] });
    const concurrency = rows.deployment.config.NOTIFY_WORKER_CONCURRENCY;
    const settled = await awaitSettled(run, count, rows.firstDueAt + timeoutMs - Date.now());
    await run.stopDeployments();
    const elapsedMs = settled.lastSentAt === null ? null : settled.lastSentAt - rows.firstDueAt;
    run.notes.push(`${describeCounts(settled.counts, count)}; live topic: ${sink.distinct} delivered, ${sink.doubles} doubles`);
    if (settled.firstSentAt !== null && settled.lastSentAt !== null) {
      const steady = perSecond((settled.counts.sent ?? 0) - 1, settled.lastSentAt - settled.firstSentAt);
      run.notes.push(`first row sent ${((settled.firstSentAt - rows.firstDueAt) / SECOND).toFixed(1)} s after they fell due; ${steady.toFixed(1)}/s from the first sent to the last`);
    }
    if (!settled.done) run.notes.push(`timed out ${timeoutMs / SECOND} s after the rows fell due`);

    run.log(`baseline: ${count} BullMQ jobs, no-op processor, concurrency ${concurrency}`);
    const bare = await noOpThroughput(run.redisUrl, count, concurrency, timeoutMs);
    run.details.herald = { ...settled, elapsedMs, concurrency };
    run.details.baseline = bare;
    return [
      metric({
        name: 'delivered/s',
        unit: '/s',
        measured: settled.done && elapsedMs !== null ? perSecond(settled.counts.sent ?? 0, elapsedMs) : null,
        baseline: bare.timedOut ? null : perSecond(count, bare.elapsedMs),
        target: atLeast(5000),
        ratioTarget: atLeast(1.5),
      }),
    ];
  },
};
