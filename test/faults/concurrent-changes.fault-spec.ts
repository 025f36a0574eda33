import { Role } from '../../src/auth/role';
import { insertUsers } from '../../bench/support/seed';
import { DeliverySink } from '../../bench/support/sink';
import { DAY, HOUR, MINUTE } from '../../bench/support/time';
import { signToken } from '../../bench/support/tokens';
import { SmtpPeer } from '../support/smtp-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { inAppArrivals, pendingCount, printTally, tally } from './support/tally';

const REQUESTS = faultSize('CONCURRENT_REQUESTS', 50);
const TIMEOUT_MS = 90_000;
const CREATE_BOOKING = `mutation($input: CreateBookingInput!) { createBooking(input: $input) { id } }`;
const RESCHEDULE = `mutation($id: ID!, $key: String, $input: RescheduleBookingInput!) { rescheduleBooking(id: $id, idempotencyKey: $key, input: $input) { id version } }`;
const CANCEL = `mutation($id: ID!, $key: String) { cancelBooking(id: $id, idempotencyKey: $key, input: { reason: "plans changed" }) { id version } }`;
const NOTICES = `type in ('booking_rescheduled', 'booking_cancelled')`;

type Change = 'reschedule' | 'cancel';
interface Case {
  change: Change;
  withKey: boolean;
  bookingId: string;
  token: string;
  /** The answers' GraphQL error codes (or "ok"), counted. */
  answers: Record<string, number>;
}

/**
 * The customer's app sends the same change of a booking 50 times at once (a retry storm), with
 * one idempotency key for all and with none: a reschedule to one new slot, and a cancellation.
 * Either way the booking must change once, and each party get one notice per channel.
 */
describe('the same booking change sent 50 times at once', () => {
  let run: FaultRun;
  let peer: SmtpPeer;
  let sink: DeliverySink;
  let settled = false;
  const cases: Case[] = [];
  const newStartsAt = Math.ceil((Date.now() + 40 * DAY) / HOUR) * HOUR;

  beforeAll(async () => {
    run = await FaultRun.open('concurrent-changes');
    peer = await SmtpPeer.start();
    run.onClose(() => peer.stop());
    sink = await DeliverySink.open(run.redisUrl, run.keyPrefix);
    run.onClose(() => sink.close());
    const customers = await insertUsers(run.db, { role: Role.customer, count: 4, label: 'Customer' });
    const providers = await insertUsers(run.db, { role: Role.provider, count: 4, label: 'Provider' });
    const api = await run.deploy([{ role: 'api' }, { role: 'worker' }, { role: 'scheduler' }], { SMTP_URL: peer.url });
    const startsAt = Math.ceil((Date.now() + 30 * DAY) / HOUR) * HOUR;
    const kinds: [Change, boolean][] = [['reschedule', true], ['reschedule', false], ['cancel', true], ['cancel', false]];
    for (const [i, [change, withKey]] of kinds.entries()) {
      const token = await signToken(customers[i], [Role.customer]);
      const input = { providerId: providers[i], serviceName: 'Haircut', ...slot(startsAt), timezone: 'Asia/Tashkent', price: '150000.00', currency: 'UZS' };
      const created = await graphql(api.graphqlUrl, token, CREATE_BOOKING, { input });
      const booking = created.data?.createBooking as { id: string } | undefined;
      if (!booking) throw new Error(`createBooking failed: ${JSON.stringify(created.errors)}`);
      cases.push({ change, withKey, bookingId: booking.id, token, answers: {} });
    }
    await Promise.all(
      cases.map(async (one) => {
        const key = one.withKey ? `${one.change}-${one.bookingId}` : null;
        const [query, variables] = one.change === 'reschedule' ? [RESCHEDULE, { id: one.bookingId, key, input: slot(newStartsAt) }] : [CANCEL, { id: one.bookingId, key }];
        const answers = await Promise.all(Array.from({ length: REQUESTS }, () => graphql(api.graphqlUrl, one.token, query, variables)));
        for (const answer of answers) {
          const code = answer.errors ? String(answer.errors[0]?.extensions?.code) : 'ok';
          one.answers[code] = (one.answers[code] ?? 0) + 1;
        }
      }),
    );
    settled = await run.settle(async () => (await relayCaughtUp()) && (await pendingCount(run.db, NOTICES)) === 0, TIMEOUT_MS);
  }, 5 * 60_000);

  afterAll(() => run?.close());

  /** The relay has planned every booking event written so far. */
  async function relayCaughtUp(): Promise<boolean> {
    const { rows } = await run.db.query<{ caught_up: boolean }>(
      `select coalesce((select max(seq) from booking_events), 0) <= (select seq from notification_relay_positions where name = 'booking_events') as caught_up`,
    );
    return rows[0].caught_up;
  }

  describe.each([
    ['reschedule', true],
    ['reschedule', false],
    ['cancel', true],
    ['cancel', false],
  ] as [Change, boolean][])('%s, idempotency key: %s', (change, withKey) => {
    const one = () => cases.find((candidate) => candidate.change === change && candidate.withKey === withKey)!;
    const label = () => `concurrent-changes ${change} ${withKey ? 'with' : 'without'} key`;

    // A reschedule to the slot the booking has is no change (changes to one booking take turns under a row lock).
    it('changes the booking once', async () => {
      expect(settled).toBe(true);
      const { rows } = await run.db.query<{ type: string; count: number }>(
        `select type, count(*)::int as count from booking_events where booking_id = $1 group by type order by type`,
        [one().bookingId],
      );
      const changed = { type: change === 'reschedule' ? 'rescheduled' : 'cancelled', count: 1 };
      expect({ events: rows, answers: one().answers }).toEqual({ events: [{ type: 'created', count: 1 }, changed].sort((a, b) => a.type.localeCompare(b.type)), answers: expect.anything() });
    });

    it('sends each party one notice per channel', async () => {
      const { rows } = await run.db.query<{ id: string; key: string }>(
        `select id, recipient_id || ':' || channel as key from notifications where booking_id = $1 and ${NOTICES}`,
        [one().bookingId],
      );
      const keyOf = new Map(rows.map((row) => [row.id, row.key]));
      const arrivals = [...(await inAppArrivals(run.db, sink)), ...peer.notificationIds()].filter((id) => keyOf.has(id)).map((id) => keyOf.get(id)!);
      const parties = await run.db.query<{ customer_id: string; provider_id: string }>(`select customer_id, provider_id from bookings where id = $1`, [one().bookingId]);
      const { customer_id: customer, provider_id: provider } = parties.rows[0];
      const counted = tally([customer, provider].flatMap((party) => [`${party}:email`, `${party}:in_app`]), arrivals);
      printTally(label(), counted, `${REQUESTS} requests answered ${JSON.stringify(one().answers)}`);
      expect({ lost: counted.lost, duplicated: counted.duplicated, unexpected: counted.unexpected }).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    });
  });
});

function slot(startsAt: number): { startsAt: string; endsAt: string } {
  return { startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 45 * MINUTE).toISOString() };
}

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One GraphQL operation over HTTP as `token`. */
async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<GraphqlAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlAnswer;
}
