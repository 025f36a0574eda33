import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/auth/role';
import { HeraldConfig } from '../../src/core/config/herald-config';
import { runCli } from './herald';
import { ScenarioRun } from './scenario';
import { BookingsSpec, insertBookings, insertUsers } from './seed';
import { MINUTE } from './time';

export type BookingSlots = Omit<BookingsSpec, 'status' | 'withCreatedEvents' | 'batchSize'>;

/** How imported bookings reach Herald. */
export type ImportRoute = 'bookings:import CLI' | 'SQL: bookings + created booking_events';

const SQL_BATCH = 1000;
const CLI_TIMEOUT_MS = 60 * MINUTE;

/**
 * Imports bookings the way an operator would: `cli bookings:import FILE --as <ops>` with a JSONL
 * file of CreateBookingInput fields (customerId included), when this build has that command;
 * otherwise the rows createBooking writes (a pending booking and its `created` event), inserted
 * with SQL in batches, which the engine plans from booking_events.
 */
export class BookingImporter {
  private constructor(
    private readonly run: ScenarioRun,
    readonly route: ImportRoute,
    private readonly opsEmail: string,
  ) {}

  static async open(run: ScenarioRun): Promise<BookingImporter> {
    const [opsId] = await insertUsers(run.db, { role: Role.ops, count: 1, label: 'Ops' });
    const { rows } = await run.db.query<{ email: string }>(`select email from users where id = $1`, [opsId]);
    const help = await runCli(['--help'], run.heraldTarget(), MINUTE);
    if (help.code !== 0) throw new Error(`cli --help exited with ${help.code}: ${(help.stderr || help.stdout).slice(0, 2000)}`);
    const route: ImportRoute = `${help.stdout}${help.stderr}`.includes('bookings:import') ? 'bookings:import CLI' : 'SQL: bookings + created booking_events';
    if (route !== 'bookings:import CLI') run.notes.push('this build has no `bookings:import` command: bookings and their `created` events were inserted with SQL');
    return new BookingImporter(run, route, rows[0].email);
  }

  async import(slots: BookingSlots): Promise<void> {
    if (this.route === 'bookings:import CLI') await this.viaCli(slots);
    else await insertBookings(this.run.db, { ...slots, status: 'pending', withCreatedEvents: true, batchSize: SQL_BATCH });
  }

  private async viaCli(slots: BookingSlots): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'herald-bench-import-'));
    try {
      const file = join(dir, 'bookings.jsonl');
      const lines = Array.from({ length: slots.count }, (_, n) => {
        const startsAt = slots.firstStartsAt.getTime() + Math.floor(n / slots.providers.length) * slots.slotMs;
        return JSON.stringify({
          customerId: slots.customers[n % slots.customers.length],
          providerId: slots.providers[n % slots.providers.length],
          serviceName: 'Haircut',
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(startsAt + slots.durationMs).toISOString(),
          timezone: 'Asia/Tashkent',
          price: '150000.00',
          currency: 'UZS',
        });
      });
      writeFileSync(file, `${lines.join('\n')}\n`);
      const result = await runCli(['bookings:import', file, '--as', this.opsEmail], this.run.heraldTarget(), CLI_TIMEOUT_MS);
      if (result.code !== 0) throw new Error(`bookings:import exited with ${result.code}: ${(result.stderr || result.stdout).slice(0, 2000)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Reminder rows on one channel per (booking, offset): in-app when every message gets an in-app copy, else email (the bench users' channel). */
export function reminderProbeChannel(config: HeraldConfig): 'in_app' | 'email' {
  return config.NOTIFY_IN_APP_COPY ? 'in_app' : 'email';
}

/** Rows of type booking_reminder, in all and on `channel`. */
export async function reminderRows(run: ScenarioRun, channel: string): Promise<{ all: number; onChannel: number }> {
  const { rows } = await run.db.query<{ total: number; on_channel: number }>(
    `select count(*)::int as total, (count(*) filter (where channel = $1))::int as on_channel from notifications where type = 'booking_reminder'`,
    [channel],
  );
  return { all: rows[0].total, onChannel: rows[0].on_channel };
}
