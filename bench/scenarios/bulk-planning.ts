import { Role } from '../../src/auth/role';
import { bareInsert } from '../support/bare-insert';
import { BookingImporter, reminderProbeChannel, reminderRows } from '../support/bookings-import';
import { atLeast, metric } from '../support/report';
import { Scenario } from '../support/scenario';
import { insertUsers } from '../support/seed';
import { perSecond } from '../support/stats';
import { DAY, HOUR, MINUTE, SECOND } from '../support/time';

/** Bookings per provider: one an hour, about eight days of them. */
const SLOTS_PER_PROVIDER = 200;

/**
 * Importing many bookings at once (all starting days ahead): the time until every booking's
 * reminders exist as rows (one per booking and offset on the probe channel), and reminder rows
 * (type booking_reminder, every channel) per second. Baseline: a bare multi-row INSERT of as
 * many rows into a scratch table shaped like `notifications` (same columns and indexes,
 * ON CONFLICT on its unique dedup_key).
 */
export const bulkPlanning: Scenario = {
  name: 'bulk-planning',
  description: 'reminder rows planned per second for a bulk import of bookings, vs a bare multi-row INSERT',
  async run(run) {
    const bookings = run.settings.scaled('BOOKINGS', 100_000, 100);
    const customerCount = run.settings.scaled('CUSTOMERS', 5_000, 10);

    const email = await run.emailPeer();
    const deployment = await run.deploy([{ role: 'worker' }, { role: 'scheduler' }], email.env);
    const offsets = deployment.config.notificationTiming.reminderOffsetsMs.length;
    const channel = reminderProbeChannel(deployment.config);
    const expected = bookings * offsets;
    // Generous: a tenth of the 10,000/s goal, at least two minutes.
    const timeoutMs = run.settings.fixed('TIMEOUT_S', Math.max(120, Math.ceil(expected / 1000))) * SECOND;

    const importer = await BookingImporter.open(run);
    const customers = await insertUsers(run.db, { role: Role.customer, count: customerCount, label: 'Customer' });
    const providers = await insertUsers(run.db, { role: Role.provider, count: Math.ceil(bookings / SLOTS_PER_PROVIDER), label: 'Provider' });
    const firstStartsAt = new Date(Math.ceil((Date.now() + 4 * DAY) / HOUR) * HOUR);

    run.log(`importing ${bookings} bookings (${importer.route}); ${expected} reminders to plan`);
    const startedAt = Date.now();
    await importer.import({ customers, providers, count: bookings, firstStartsAt, slotMs: HOUR, durationMs: 45 * MINUTE });
    const importedMs = Date.now() - startedAt;
    let reminders = { all: 0, onChannel: 0 };
    const done = await run.waitFor(async () => (reminders = await reminderRows(run, channel)).onChannel >= expected, startedAt + timeoutMs - Date.now(), 1000);
    const elapsedMs = Date.now() - startedAt;
    const { rows } = await run.db.query<{ total: number }>(`select count(*)::int as total from notifications`);
    await run.stopDeployments();

    const baselineRows = done ? reminders.all : expected * (deployment.config.NOTIFY_IN_APP_COPY ? 2 : 1);
    run.log(`baseline: ${baselineRows} rows by multi-row INSERT into a scratch copy of notifications`);
    const bareMs = await bareInsert(run.db, baselineRows);

    run.details.planning = { route: importer.route, bookings, expected, reminders, totalRows: rows[0].total, importedMs, elapsedMs, baselineRows, bareMs };
    run.notes.push(`${importer.route}: ${bookings} bookings written in ${(importedMs / SECOND).toFixed(1)} s`);
    run.notes.push(
      `${reminders.onChannel} of ${expected} reminders on ${channel} (${reminders.all} reminder rows, ${rows[0].total} rows in all) after ${(elapsedMs / SECOND).toFixed(1)} s` +
        (done ? '' : ` (timed out)`),
    );
    return [
      metric({ name: 'reminder rows/s', unit: '/s', measured: done ? perSecond(reminders.all, elapsedMs) : null, baseline: perSecond(baselineRows, bareMs), target: atLeast(10_000) }),
      metric({ name: 'all planned after', unit: 's', measured: done ? elapsedMs / SECOND : null }),
    ];
  },
};
