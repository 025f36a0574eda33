import { Pool } from 'pg';
import { Role } from '../../src/auth/role';
import { LoadResult, runGraphqlLoad } from '../support/load';
import { atLeast, atMost, metric } from '../support/report';
import { Scenario } from '../support/scenario';
import { insertUsers } from '../support/seed';
import { DAY, HOUR, MINUTE, SECOND } from '../support/time';
import { signToken } from '../support/tokens';

const CREATE_BOOKING = `mutation($input: CreateBookingInput!) { createBooking(input: $input) { id } }`;
const ME = `query { me { id } }`;
/** The messages a new booking sends at once. */
const IMMEDIATE = `type in ('booking_confirmation', 'provider_new_booking')`;

const failures = (load: LoadResult) => load.non2xx + load.graphqlErrors + load.errors;

/**
 * `createBooking` over HTTP from concurrent clients against an API process, with a worker (and
 * a scheduler) delivering what each booking sends at once: the customer's confirmation and the
 * provider's notice, each in-app and by email (a local SMTP server). Every request books its
 * own slot: request n goes to provider n mod P at slot n div P. Baseline: the authenticated
 * `me` query at the same concurrency, in the same run.
 */
export const createBooking: Scenario = {
  name: 'create-booking',
  description: 'createBooking over HTTP (32 clients) with its messages delivered by the same deployment, vs the me query',
  async run(run) {
    const connections = run.settings.fixed('CONNECTIONS', 32);
    const seconds = run.settings.scaled('SECONDS', 20, 2);
    const providerCount = run.settings.fixed('PROVIDERS', 50);
    const customerCount = run.settings.fixed('CUSTOMERS', 200);
    const drainTimeoutMs = run.settings.fixed('DRAIN_TIMEOUT_S', 300) * SECOND;

    const customers = await insertUsers(run.db, { role: Role.customer, count: customerCount, label: 'Customer' });
    const providers = await insertUsers(run.db, { role: Role.provider, count: providerCount, label: 'Provider' });
    const tokens = await Promise.all(customers.map((id) => signToken(id, [Role.customer])));
    const email = await run.emailPeer();
    const sink = await run.sink();
    const deployment = await run.deploy([{ role: 'api' }, { role: 'worker' }, { role: 'scheduler' }], email.env);
    const url = deployment.graphqlUrl;

    const me = (durationSeconds: number) => runGraphqlLoad({ url, connections, durationSeconds, field: 'me', request: (n) => ({ query: ME, token: tokens[n % tokens.length] }) });
    run.log('warm-up: 2 s of me');
    await me(2);
    run.log(`baseline: me, ${connections} clients, ${seconds} s`);
    const baseline = await me(seconds);

    // Far enough ahead that every reminder is planned, none due during the run.
    const firstStartsAt = Math.ceil((Date.now() + 30 * DAY) / HOUR) * HOUR;
    run.log(`createBooking, ${connections} clients, ${seconds} s`);
    const load = await runGraphqlLoad({
      url,
      connections,
      durationSeconds: seconds,
      field: 'createBooking',
      request: (n) => {
        const startsAt = firstStartsAt + Math.floor(n / providers.length) * HOUR;
        const input = {
          providerId: providers[n % providers.length],
          serviceName: 'Haircut',
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(startsAt + 45 * MINUTE).toISOString(),
          timezone: 'Asia/Tashkent',
          price: '150000.00',
          currency: 'UZS',
        };
        return { query: CREATE_BOOKING, variables: { input }, token: tokens[n % tokens.length] };
      },
    });
    const loadEndedAt = Date.now();

    // Requests still in flight when the load stopped may create bookings after it: count them as they come.
    const messagesPerBooking = 2 * (deployment.config.NOTIFY_IN_APP_COPY ? 2 : 1);
    let progress = await immediateProgress(run.db);
    const sentByLoadEnd = progress.sent;
    run.log(`${progress.bookings} bookings; ${sentByLoadEnd} of ${progress.bookings * messagesPerBooking} immediate messages sent when the load ended; waiting for the rest`);
    const drained = await run.waitFor(async () => {
      progress = await immediateProgress(run.db);
      return progress.sent >= progress.bookings * messagesPerBooking;
    }, drainTimeoutMs, 250);
    const { bookings, sent } = progress;
    const expected = bookings * messagesPerBooking;
    const drainMs = drained ? Math.max(0, (progress.lastSentAt ?? loadEndedAt) - loadEndedAt) : null;

    run.details.load = load;
    run.details.baseline = baseline;
    run.details.delivery = { bookings, expected, sentByLoadEnd, sent, inAppAnnounced: sink.distinct, inAppDoubles: sink.doubles, emailsAccepted: email.peer.accepted };
    run.notes.push(
      `${load.succeeded} bookings created of ${load.responses} responses (${load.non2xx} non-2xx, ${load.graphqlErrors} GraphQL errors, ${load.errors} connection errors/timeouts); ` +
        `${bookings} bookings in the database, counting requests still in flight at the end`,
    );
    if (load.sampleFailures.length) run.notes.push(`first failures: ${load.sampleFailures.join(' | ')}`);
    run.notes.push(`immediate messages: ${sent} of ${expected} sent${drained ? '' : ` (timed out ${drainTimeoutMs / SECOND} s after the load)`}; in-app live topic ${sink.distinct} (${sink.doubles} doubles), SMTP accepted ${email.peer.accepted}`);

    return [
      metric({ name: 'createBooking/s', unit: '/s', measured: load.perSecond, baseline: baseline.perSecond, target: atLeast(500) }),
      metric({ name: 'createBooking p50', unit: 'ms', measured: load.p50, baseline: baseline.p50 }),
      metric({ name: 'createBooking p97.5', unit: 'ms', measured: load.p975, baseline: baseline.p975 }),
      metric({ name: 'createBooking p99', unit: 'ms', measured: load.p99, baseline: baseline.p99, target: atMost(50) }),
      metric({ name: 'failed requests', unit: '', measured: failures(load), baseline: failures(baseline) }),
      metric({ name: 'messages sent during load', unit: '%', measured: expected ? (100 * sentByLoadEnd) / expected : null }),
      metric({ name: 'backlog drained after', unit: 's', measured: drainMs === null ? null : drainMs / SECOND }),
    ];
  },
};

/** Bookings so far, their immediate messages sent, and when the last of those was sent. */
async function immediateProgress(db: Pool): Promise<{ bookings: number; sent: number; lastSentAt: number | null }> {
  const { rows } = await db.query<{ bookings: number; sent: number; last: Date | null }>(
    `select (select count(*)::int from bookings) as bookings, count(*)::int as sent, max(sent_at) as last
       from notifications where ${IMMEDIATE} and status = 'sent'`,
  );
  return { bookings: rows[0].bookings, sent: rows[0].sent, lastSentAt: rows[0].last?.getTime() ?? null };
}
