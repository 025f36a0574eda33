import { delayedLateness } from '../support/bullmq-baseline';
import { awaitSettled, describeCounts, prepareDueRows, sentTimes } from '../support/due-rows';
import { atMost, metric, MetricSpec } from '../support/report';
import { Scenario } from '../support/scenario';
import { distribution } from '../support/stats';
import { SECOND } from '../support/time';

/**
 * A steady stream of due in-app rows (1,000 a second for 60 s by default, written ahead with
 * due_at spread evenly) through one worker process; lateness = sent_at − due_at per row, and
 * the live topic's arrival − due_at. A row not sent in time counts as infinitely late.
 * Baseline: BullMQ delayed jobs at the same rate through a no-op processor.
 */
export const lateness: Scenario = {
  name: 'lateness',
  description: 'how late due in-app rows are sent at a steady 1,000 due/s (p50/p99/p99.9/max), vs BullMQ delayed jobs',
  async run(run) {
    const ratePerSecond = run.settings.fixed('RATE', 1000);
    const seconds = run.settings.scaled('SECONDS', 60, 5);
    const recipients = run.settings.scaled('USERS', 500, 10);
    const graceMs = run.settings.fixed('TIMEOUT_S', 120) * SECOND;
    const count = Math.round(ratePerSecond * seconds);

    const sink = await run.sink();
    const rows = await prepareDueRows(run, { count, recipients, channel: 'in_app', spreadMs: seconds * SECOND, processes: [{ role: 'worker' }] });
    const concurrency = rows.deployment.config.NOTIFY_WORKER_CONCURRENCY;
    const settled = await awaitSettled(run, count, rows.firstDueAt + seconds * SECOND + graceMs - Date.now(), 250);
    await run.stopDeployments();

    const sent = await sentTimes(run);
    const arrivals = sink.firstArrivals();
    // Rows never sent are infinitely late: with more than 1 % of them, p99 cannot be met.
    const missing = Array.from({ length: count - sent.length }, () => Number.POSITIVE_INFINITY);
    const bySentAt = distribution([...sent.map((row) => row.sentAt - row.dueAt), ...missing]);
    const byArrival = distribution([...sent.map((row) => (arrivals.get(row.id) ?? Number.POSITIVE_INFINITY) - row.dueAt), ...missing]);
    run.notes.push(`${describeCounts(settled.counts, count)}; live topic: ${sink.distinct} delivered, ${sink.doubles} doubles`);
    if (!settled.done) run.notes.push(`timed out ${graceMs / SECOND} s after the last row fell due`);

    run.log(`baseline: BullMQ delayed jobs, ${ratePerSecond}/s for ${seconds} s, concurrency ${concurrency}`);
    const bare = distribution((await delayedLateness(run.redisUrl, { ratePerSecond, seconds, leadMs: 2 * SECOND, concurrency, timeoutMs: graceMs })).latenessMs);
    run.details.lateness = { bySentAt, byArrival, baseline: bare, ratePerSecond, seconds, concurrency };

    const finite = (value: number) => (Number.isFinite(value) ? value : null);
    const late = (name: string, pick: (d: typeof bare) => number, target?: number): MetricSpec => ({
      name: `lateness ${name}`,
      unit: 'ms',
      measured: finite(pick(bySentAt)),
      baseline: finite(pick(bare)),
      ...(target === undefined ? {} : { target: atMost(target) }),
    });
    return [
      metric(late('p50', (d) => d.p50)),
      metric(late('p99', (d) => d.p99, 50)),
      metric(late('p99.9', (d) => d.p999, 250)),
      metric(late('max', (d) => d.max)),
      metric({ name: 'live topic p99', unit: 'ms', measured: finite(byArrival.p99), baseline: finite(bare.p99) }),
    ];
  },
};
