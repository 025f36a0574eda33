import { Role } from '../../src/auth/role';
import { Deployment } from '../../bench/support/herald';
import { insertUsers } from '../../bench/support/seed';
import { DeliverySink } from '../../bench/support/sink';
import { DAY, HOUR, MINUTE } from '../../bench/support/time';
import { signToken } from '../../bench/support/tokens';
import { SmtpPeer } from '../support/smtp-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { inAppArrivals, printTally, rowIds, tally } from './support/tally';

const ROUNDS = faultSize('RELAY_KILLS', 5);
const BOOKINGS_PER_ROUND = faultSize('RELAY_BOOKINGS', 40);
const PROVIDERS = 10;
const TIMEOUT_MS = 120_000;
const CREATE_BOOKING = `mutation($input: CreateBookingInput!) { createBooking(input: $input) { id } }`;
/** The messages a new booking sends at once, to the customer and to the provider. */
const IMMEDIATE_TYPES = ['booking_confirmation', 'provider_new_booking'];
const IMMEDIATE = `type in ('booking_confirmation', 'provider_new_booking')`;
/** Each goes by email (the first channel that reaches these users) with its in-app copy. */
const CHANNELS = ['email', 'in_app'];

/**
 * Bookings are created over GraphQL on an API process, and every process running the booking
 * event relay (the scheduler and the worker) is SIGKILLed right after the burst's commits, then
 * started again, round after round. The relay's durable position must plan each booking once,
 * and each confirmation and provider notice must arrive once.
 */
describe('the relay SIGKILLed right after bookings commit', () => {
  let run: FaultRun;
  let peer: SmtpPeer;
  let sink: DeliverySink;
  let settled = false;
  const bookings: string[] = [];
  /** Emails the SMTP server had accepted while their row was still `sending` when their worker died. */
  const acceptedWhenKilled = new Set<string>();

  /** Emails the SMTP server holds whose row is still `sending`: sent, but Herald has not recorded it. */
  async function acceptedUnrecorded(): Promise<string[]> {
    const ids = peer.notificationIds().filter((id) => /^[0-9a-f-]{36}$/.test(id));
    return rowIds(run.db, `status = 'sending' and id = any($1::uuid[])`, [ids]);
  }

  beforeAll(async () => {
    run = await FaultRun.open('relay-kill');
    peer = await SmtpPeer.start();
    run.onClose(() => peer.stop());
    sink = await DeliverySink.open(run.redisUrl, run.keyPrefix);
    run.onClose(() => sink.close());
    const customers = await insertUsers(run.db, { role: Role.customer, count: ROUNDS * BOOKINGS_PER_ROUND, label: 'Customer' });
    const providers = await insertUsers(run.db, { role: Role.provider, count: PROVIDERS, label: 'Provider' });
    const env = { SMTP_URL: peer.url };
    const api = await run.deploy([{ role: 'api' }], env);
    let relays: Deployment = await run.deploy([{ role: 'scheduler' }, { role: 'worker' }], env);
    const firstStartsAt = Math.ceil((Date.now() + 30 * DAY) / HOUR) * HOUR;
    for (let round = 0; round < ROUNDS; round++) {
      const created = await Promise.all(
        Array.from({ length: BOOKINGS_PER_ROUND }, async (_, i) => {
          const n = round * BOOKINGS_PER_ROUND + i;
          const startsAt = firstStartsAt + Math.floor(n / PROVIDERS) * HOUR;
          const input = {
            providerId: providers[n % PROVIDERS],
            serviceName: 'Haircut',
            startsAt: new Date(startsAt).toISOString(),
            endsAt: new Date(startsAt + 45 * MINUTE).toISOString(),
            timezone: 'Asia/Tashkent',
            price: '150000.00',
            currency: 'UZS',
          };
          return createBooking(api.graphqlUrl, await signToken(customers[n], [Role.customer]), input);
        }),
      );
      bookings.push(...created);
      await run.kill(relays);
      for (const id of await acceptedUnrecorded()) acceptedWhenKilled.add(id);
      relays = await run.deploy([{ role: 'scheduler' }, { role: 'worker' }], env);
      // And any message whose last bytes the server had but was still taking in when the worker died.
      for (const id of await acceptedUnrecorded()) acceptedWhenKilled.add(id);
    }
    const expected = bookings.length * IMMEDIATE_TYPES.length * CHANNELS.length;
    settled = await run.settle(async () => (await rowIds(run.db, `${IMMEDIATE} and status = 'sent'`)).length >= expected, TIMEOUT_MS);
  }, 10 * 60_000);

  afterAll(() => run?.close());

  /** `<booking>:<type>:<channel>` of every arrival on `channel`, by the notification each arrival names. */
  async function arrivalKeys(channel: string, arrivals: string[]): Promise<string[]> {
    const { rows } = await run.db.query<{ id: string; key: string }>(
      `select id, booking_id || ':' || type || ':' || channel as key from notifications where channel = $1 and ${IMMEDIATE}`,
      [channel],
    );
    const keyOf = new Map(rows.map((row) => [row.id, row.key]));
    return arrivals.filter((id) => keyOf.has(id)).map((id) => keyOf.get(id)!);
  }

  const expectedKeys = (channel: string) => bookings.flatMap((booking) => IMMEDIATE_TYPES.map((type) => `${booking}:${type}:${channel}`));

  it('plans every booking once: one confirmation and one provider notice per channel', async () => {
    expect(settled).toBe(true);
    const { rows } = await run.db.query<{ key: string; count: number }>(
      `select booking_id || ':' || type || ':' || channel as key, count(*)::int as count from notifications where ${IMMEDIATE} group by 1`,
    );
    expect(rows.filter((row) => row.count !== 1)).toEqual([]);
    expect(rows.map((row) => row.key).sort()).toEqual([...expectedKeys('email'), ...expectedKeys('in_app')].sort());
  });

  it('delivers every in-app confirmation and notice once', async () => {
    const counted = tally(expectedKeys('in_app'), await arrivalKeys('in_app', await inAppArrivals(run.db, sink)));
    printTally('relay-kill in-app', counted, `${bookings.length} bookings, ${ROUNDS} SIGKILLs of scheduler + worker`);
    expect({ lost: counted.lost, duplicated: counted.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });

  it('loses no email, and repeats only those the SMTP server had taken when their worker died', async () => {
    const arrivals = peer.notificationIds();
    const counted = tally(expectedKeys('email'), await arrivalKeys('email', arrivals));
    printTally('relay-kill email', counted, `${acceptedWhenKilled.size} emails were accepted by SMTP but unrecorded when their worker died`);
    expect(counted.lost).toBe(0);
    const repeated = [...new Set(arrivals.filter((id, index) => arrivals.indexOf(id) !== index))];
    expect(repeated.filter((id) => !acceptedWhenKilled.has(id))).toEqual([]);
  });
});

/** createBooking over HTTP as `token`; the new booking's id, or an error with what GraphQL said. */
async function createBooking(url: string, token: string, input: Record<string, string>): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CREATE_BOOKING, variables: { input } }),
  });
  const body = (await response.json()) as { data?: { createBooking?: { id: string } }; errors?: unknown[] };
  if (!body.data?.createBooking) throw new Error(`createBooking answered ${response.status}: ${JSON.stringify(body.errors)}`);
  return body.data.createBooking.id;
}
