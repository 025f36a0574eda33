import { Role } from '../../src/auth/role';
import { insertBookings, insertDueRows, insertUsers } from '../../bench/support/seed';
import { DeliverySink } from '../../bench/support/sink';
import { HOUR, MINUTE } from '../../bench/support/time';
import { SmtpPeer } from '../support/smtp-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { faults, inAppArrivals, NO_FAULTS, pendingCount, printTally, rowIds, tally } from './support/tally';

const BOOKINGS = faultSize('LATE_BOOKINGS', 300);
const TIMEOUT_MS = 120_000;

/**
 * Herald comes back after a downtime (its clock cannot be moved in a child process, so the rows
 * are written as a downtime leaves them): reminders, in-app and by email, that fell due an hour
 * ago. Half are for bookings that started half an hour ago: too late, they must end
 * `skipped`/`too_late` and reach nobody. The other half are for bookings still two hours ahead:
 * late but still of use, each goes once.
 */
describe('reminders due an hour ago, after a downtime', () => {
  let run: FaultRun;
  let peer: SmtpPeer;
  let sink: DeliverySink;
  let settled = false;
  const startedBookings = `booking_id in (select id from bookings where starts_at <= now())`;
  const bookingsAhead = `booking_id in (select id from bookings where starts_at > now())`;

  beforeAll(async () => {
    run = await FaultRun.open('late-reminders');
    peer = await SmtpPeer.start();
    run.onClose(() => peer.stop());
    sink = await DeliverySink.open(run.redisUrl, run.keyPrefix);
    run.onClose(() => sink.close());
    const customers = await insertUsers(run.db, { role: Role.customer, count: 2 * BOOKINGS, label: 'Customer' });
    // A provider per booking, so every booking of a half starts at the same moment.
    const providers = await insertUsers(run.db, { role: Role.provider, count: BOOKINGS, label: 'Provider' });
    const now = Date.now();
    const slot = { providers, count: BOOKINGS, slotMs: HOUR, durationMs: 45 * MINUTE, status: 'confirmed' as const, withCreatedEvents: false };
    await insertBookings(run.db, { ...slot, customers: customers.slice(0, BOOKINGS), firstStartsAt: new Date(now - 30 * MINUTE) });
    await insertBookings(run.db, { ...slot, customers: customers.slice(BOOKINGS), firstStartsAt: new Date(now + 2 * HOUR) });
    const dueAt = new Date(now - HOUR);
    for (const channel of ['in_app', 'email'] as const) {
      await insertDueRows(run.db, { count: 2 * BOOKINGS, channel, type: 'booking_reminder', firstDueAt: dueAt, spreadMs: 0, keyPrefix: `late-${channel}` });
    }
    await run.deploy([{ role: 'scheduler' }, { role: 'worker' }], { SMTP_URL: peer.url });
    settled = await run.settle(async () => (await pendingCount(run.db)) === 0, TIMEOUT_MS);
  }, 5 * 60_000);

  afterAll(() => run?.close());

  /** Every arrival, in-app and by email, of the notifications matching `where`. */
  async function arrivalsOf(where: string): Promise<string[]> {
    const ids = new Set(await rowIds(run.db, where));
    return [...(await inAppArrivals(run.db, sink)), ...peer.notificationIds()].filter((id) => ids.has(id));
  }

  it('records the reminders of started bookings skipped/too_late and sends none of them', async () => {
    expect(settled).toBe(true);
    const { rows } = await run.db.query<{ status: string; reason: string | null; count: number }>(
      `select status, reason, count(*)::int as count from notifications where ${startedBookings} group by status, reason`,
    );
    expect(rows).toEqual([{ status: 'skipped', reason: 'too_late', count: 2 * BOOKINGS }]);
    const counted = tally([], await arrivalsOf(startedBookings));
    printTally('late-reminders started', counted, `${2 * BOOKINGS} reminders recorded skipped/too_late`);
    expect(faults(counted)).toEqual(NO_FAULTS);
  });

  it('sends the late reminders of bookings still ahead once', async () => {
    const counted = tally(await rowIds(run.db, bookingsAhead), await arrivalsOf(bookingsAhead));
    printTally('late-reminders ahead', counted, 'due an hour ago, booking still ahead');
    expect(faults(counted)).toEqual(NO_FAULTS);
    expect(await rowIds(run.db, `${bookingsAhead} and status <> 'sent'`)).toEqual([]);
  });
});
