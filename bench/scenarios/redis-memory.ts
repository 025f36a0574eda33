import { Role } from '../../src/auth/role';
import { BookingImporter, BookingSlots, reminderProbeChannel, reminderRows } from '../support/bookings-import';
import { delayedJobBytes, usedMemory } from '../support/bullmq-baseline';
import { atMost, metric } from '../support/report';
import { Scenario, ScenarioRun } from '../support/scenario';
import { insertUsers } from '../support/seed';
import { DAY, HOUR, MINUTE, SECOND } from '../support/time';

/** Beyond the horizon: one booking an hour per provider, about eight days of them. */
const SLOTS_PER_PROVIDER = 200;
/** Within the horizon, bookings start this long from now at the earliest (so the 3 h and 1 h reminders lie ahead). */
const WITHIN_FROM_MS = 4 * HOUR;
/** What "nothing per row" allows for: used_memory drifts by some ten kilobytes (client buffers, capped logs). */
const BEYOND_NOISE_BYTES = 5;

/**
 * Redis memory per planned row. Bookings are imported in three steps, each measured once
 * planning is done and everything due has been sent: a warm-up (so logs Redis keeps of sent
 * jobs are at their capped size before measuring), bookings starting beyond
 * NOTIFY_QUEUE_HORIZON (their rows should cost Redis nothing), and bookings starting within it
 * (their pending rows wait for their moment). Bytes = INFO used_memory delta / pending rows of
 * the step. Baseline: one BullMQ delayed job per row, measured on the same Redis.
 */
export const redisMemory: Scenario = {
  name: 'redis-memory',
  description: 'Redis bytes per pending row, within and beyond NOTIFY_QUEUE_HORIZON, vs one BullMQ delayed job per row',
  async run(run) {
    const bookings = run.settings.scaled('BOOKINGS', 20_000, 100);
    const warmup = run.settings.scaled('WARMUP_BOOKINGS', 2_500, 50);
    const customerCount = run.settings.scaled('CUSTOMERS', 2_000, 10);

    const email = await run.emailPeer();
    const deployment = await run.deploy([{ role: 'worker' }, { role: 'scheduler' }], email.env);
    const config = deployment.config;
    const horizonMs = config.notificationTiming.queueHorizonMs;
    if (horizonMs < WITHIN_FROM_MS + 2 * HOUR) throw new Error(`NOTIFY_QUEUE_HORIZON must be at least 6h for this scenario`);
    const offsets = config.notificationTiming.reminderOffsetsMs.length;
    const channel = reminderProbeChannel(config);
    const timeoutMs = run.settings.fixed('TIMEOUT_S', Math.max(120, Math.ceil((bookings * offsets) / 1000))) * SECOND;

    const importer = await BookingImporter.open(run);
    const customers = await insertUsers(run.db, { role: Role.customer, count: customerCount, label: 'Customer' });
    const redis = run.redis();
    let planned = 0;
    /** Imports, waits until planned and sent, and returns used_memory then. */
    const step = async (label: string, slots: Omit<BookingSlots, 'customers' | 'providers'>, slotsPerProvider: number): Promise<number | null> => {
      const providers = await insertUsers(run.db, { role: Role.provider, count: Math.ceil(slots.count / slotsPerProvider), label: `Provider ${label}` });
      run.log(`${label}: importing ${slots.count} bookings`);
      await importer.import({ ...slots, customers, providers });
      planned += slots.count * offsets;
      const done = await run.waitFor(async () => (await reminderRows(run, channel)).onChannel >= planned && (await dueUnsent(run)) === 0, timeoutMs, 1000);
      if (!done) {
        run.notes.push(`${label}: timed out after ${timeoutMs / SECOND} s waiting for ${planned} reminders on ${channel} (saw ${(await reminderRows(run, channel)).onChannel}) and every due row sent`);
        return null;
      }
      return usedMemory(redis);
    };
    const beyondFrom = new Date(Math.ceil((Date.now() + horizonMs + 4 * DAY) / HOUR) * HOUR);
    const beyondSlots = { firstStartsAt: beyondFrom, slotMs: HOUR, durationMs: 45 * MINUTE };
    const halfHour = 30 * MINUTE;
    const withinSlots = { firstStartsAt: new Date(Math.ceil((Date.now() + WITHIN_FROM_MS) / halfHour) * halfHour), slotMs: halfHour, durationMs: halfHour };
    const withinSlotsPerProvider = Math.floor((horizonMs - WITHIN_FROM_MS - HOUR) / halfHour);

    const warmedUp = await step('warm-up', { count: warmup, ...beyondSlots }, SLOTS_PER_PROVIDER);
    const rowsWarmedUp = await pendingRows(run, horizonMs);
    const afterBeyond = warmedUp === null ? null : await step('beyond the horizon', { count: Math.floor(bookings / 2), ...beyondSlots }, SLOTS_PER_PROVIDER);
    const rowsAfterBeyond = await pendingRows(run, horizonMs);
    const afterWithin = afterBeyond === null ? null : await step('within the horizon', { count: Math.ceil(bookings / 2), ...withinSlots }, withinSlotsPerProvider);
    const rowsAfterWithin = await pendingRows(run, horizonMs);
    const beyond = rowsAfterBeyond.beyond - rowsWarmedUp.beyond;
    const within = rowsAfterWithin.within - rowsAfterBeyond.within;
    const remindersWithin = rowsAfterWithin.remindersWithin - rowsAfterBeyond.remindersWithin;
    await run.stopDeployments();

    run.log(`baseline: ${Math.max(within, 1000)} BullMQ delayed jobs`);
    const bare = await delayedJobBytes(run.redisUrl, Math.max(within, 1000));
    const perRow = (from: number | null, to: number | null, count: number) => (from === null || to === null || count === 0 ? null : (to - from) / count);
    run.details.memory = { route: importer.route, warmedUp, afterBeyond, afterWithin, pendingBeyond: beyond, pendingWithin: within, remindersWithin, bareBytesPerJob: bare };
    run.notes.push(`${importer.route}; pending rows: ${beyond} beyond the horizon, ${within} within (${remindersWithin} of them reminders)`);
    run.notes.push(`"0" beyond the horizon is read as at most ${BEYOND_NOISE_BYTES} B per row: used_memory moves by some ten kilobytes on its own`);
    return [
      metric({ name: 'B per row within horizon', unit: 'B', measured: perRow(afterBeyond, afterWithin, within), baseline: bare, target: atMost(200) }),
      metric({ name: 'B per row beyond horizon', unit: 'B', measured: perRow(warmedUp, afterBeyond, beyond), baseline: bare, target: atMost(BEYOND_NOISE_BYTES) }),
    ];
  },
};

/** Due rows not yet sent (queued or sending). */
async function dueUnsent(run: ScenarioRun): Promise<number> {
  const { rows } = await run.db.query<{ count: number }>(`select count(*)::int as count from notifications where status in ('queued', 'sending') and due_at <= now()`);
  return rows[0].count;
}

/** Pending rows (planned or queued) due within and beyond the horizon from now. */
async function pendingRows(run: ScenarioRun, horizonMs: number): Promise<{ within: number; beyond: number; remindersWithin: number }> {
  const { rows } = await run.db.query<{ within: number; beyond: number; reminders_within: number }>(
    `select (count(*) filter (where due_at <= now() + $1 * interval '1 millisecond'))::int as within,
            (count(*) filter (where due_at > now() + $1 * interval '1 millisecond'))::int as beyond,
            (count(*) filter (where due_at <= now() + $1 * interval '1 millisecond' and type = 'booking_reminder'))::int as reminders_within
       from notifications where status in ('planned', 'queued')`,
    [horizonMs],
  );
  return { within: rows[0].within, beyond: rows[0].beyond, remindersWithin: rows[0].reminders_within };
}
