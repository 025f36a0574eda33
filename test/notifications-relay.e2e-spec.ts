import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { freePort } from '../scripts/support/local-services';
import { NotificationPlanner } from '../src/notifications/planning/notification-planner.service';
import { BookingEventRelay } from '../src/notifications/planning/booking-event-relay';
import { bookingInput, CANCEL, CREATE_BOOKING, dataOf, RESCHEDULE } from './bookings.fixtures';
import { waitFor } from './notifications-delivery.fixtures';
import { notificationsOf, PLANNING_ENV, tally } from './notifications-planning.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const HOUR = 3_600_000;

/** The rows of a booking as they are now, without draining the relay first. */
async function rowsNow(t: TestApp, bookingId: string): Promise<{ type: string; status: string; booking_version: number | null }[]> {
  return t.orm.em.getConnection().execute(`select type, status, booking_version from notifications where booking_id = ? order by type`, [bookingId]);
}

async function relayPosition(t: TestApp): Promise<string> {
  const [row] = await t.orm.em.getConnection().execute<{ seq: string }[]>(`select seq from notification_relay_positions where name = 'booking_events'`);
  return row.seq;
}

/** Herald as a separate OS process (API role), on the test app's database and Redis prefix. */
async function startHeraldProcess(t: TestApp): Promise<{ url: string; kill(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', 'ts-node/register/transpile-only', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HERALD_ROLE: 'api',
      PORT: String(port),
      DATABASE_URL: t.config.DATABASE_URL,
      REDIS_URL: t.config.REDIS_URL,
      REDIS_KEY_PREFIX: t.config.REDIS_KEY_PREFIX,
      AUTH_JWT_SECRET: t.config.AUTH_JWT_SECRET!,
      LOG_LEVEL: 'silent',
      OUTBOX_DIR: t.config.OUTBOX_DIR,
      TELEGRAM_UPDATES: 'none',
    },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the Herald process to answer /health',
    async () => (await fetch(`${url}/health`).catch(() => null))?.ok,
    60_000,
  );
  return {
    url,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('notifications: the booking event relay (e2e)', () => {
  describe('on a process without the relay loop', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ env: PLANNING_ENV });
    });
    afterAll(() => t?.close());

    it('a booking committed by a process killed right after still gets its whole plan from the relay', async () => {
      const herald = await startHeraldProcess(t);
      const response = await fetch(`${herald.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.customer}` },
        body: JSON.stringify({ query: CREATE_BOOKING, variables: { input: bookingInput(t) } }),
      });
      const booking = dataOf({ status: response.status, ...((await response.json()) as { data: { createBooking: { id: string } } }) }).createBooking;
      await herald.kill();
      // Planning is no part of the request: nothing is planned until a relay runs.
      expect(await rowsNow(t, booking.id)).toEqual([]);

      const worker = await startTestApp({ sharing: t, env: { HERALD_ROLE: 'worker' } });
      try {
        const rows = await waitFor('the relay to plan the booking', async () => {
          const now = await rowsNow(t, booking.id);
          return now.some((row) => row.type === 'booking_confirmation') && now;
        });
        expect(tally(rows, (row) => row.type)).toMatchObject({ booking_confirmation: 2, provider_new_booking: 2 });
      } finally {
        await worker.close();
      }
    });

    it('plans events in commit order: a reschedule committed before anything was planned still leaves the confirmation', async () => {
      const input = bookingInput(t);
      const booking = dataOf(await t.gql<{ createBooking: { id: string } }>(CREATE_BOOKING, { input }, t.tokens.customer)).createBooking;
      const moved = { startsAt: new Date(new Date(input.startsAt as string).getTime() + HOUR).toISOString(), endsAt: new Date(new Date(input.endsAt as string).getTime() + HOUR).toISOString() };
      dataOf(await t.gql(RESCHEDULE, { id: booking.id, input: { ...moved, expectedVersion: 1 } }, t.tokens.customer));

      const rows = await notificationsOf(t, booking.id);
      const byType = tally(rows, (row) => `${row.type} v${row.booking_version} ${row.status}`);
      expect(byType['booking_confirmation v1 queued']).toBe(2);
      expect(byType['booking_rescheduled v2 queued']).toBe(4);
      // The first schedule's reminders were cancelled by the reschedule, which came after them.
      expect(rows.filter((row) => row.booking_version === 1 && row.type === 'booking_reminder').every((row) => row.status === 'cancelled')).toBe(true);
    });

    it('plans bulk-imported bookings like created ones: their created events are in the log', async () => {
      const items = [0, 1, 2].map(() => bookingInput(t, { customerId: t.users.customer.id }));
      const result = await t.gql<{ importBookings: { created: number; items: { bookingId: string | null }[] } }>(
        `mutation($input: [CreateBookingInput!]!) { importBookings(input: $input) { created items { bookingId } } }`,
        { input: items },
        t.tokens.ops,
      );
      const imported = dataOf(result).importBookings;
      expect(imported.created).toBe(3);
      for (const { bookingId } of imported.items) {
        const rows = await notificationsOf(t, bookingId!);
        expect(tally(rows, (row) => row.type)).toMatchObject({ booking_confirmation: 2, provider_new_booking: 2, booking_reminder: 10 });
      }
    });

    it('never reads past a transaction still open that pg_stat_activity does not show: its events are planned once it commits', async () => {
      // A prepared transaction keeps its id in every snapshot with no session behind it, as a
      // transaction committing while the relay computes its bound is briefly seen.
      const held = new Client({ connectionString: t.config.DATABASE_URL });
      await held.connect();
      const heldId = randomUUID();
      const transaction = `relay-test-${heldId}`;
      let prepared = false;
      try {
        const input = bookingInput(t);
        await held.query('begin');
        // A transaction that sent NOTIFY cannot be prepared: the insert's announcing trigger stays out of this one.
        await held.query(`set local session_replication_role = replica`);
        await held.query(
          `insert into bookings (id, created_at, updated_at, customer_id, provider_id, service_name, starts_at, ends_at, timezone, price, currency, status, version)
           values ($1, now(), now(), $2, $3, 'Haircut', $4, $5, 'Asia/Tashkent', 100, 'UZS', 'pending', 1)`,
          [heldId, t.users.customer.id, input.providerId, input.startsAt, input.endsAt],
        );
        await held.query(
          `insert into booking_events (id, created_at, updated_at, booking_id, type, booking_version, occurred_at, data)
           values (gen_random_uuid(), now(), now(), $1, 'created', 1, now(), '{}')`,
          [heldId],
        );
        await held.query(`prepare transaction '${transaction}'`);
        prepared = true;

        const later = dataOf(await t.gql<{ createBooking: { id: string } }>(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.customer)).createBooking;
        const relay = t.app.get(BookingEventRelay);
        // The later booking's event is behind the open transaction: it waits for it.
        expect(await relay.drain()).toBe(0);
        expect(await rowsNow(t, later.id)).toEqual([]);

        await held.query(`commit prepared '${transaction}'`);
        prepared = false;
        expect(await relay.drain()).toBe(2);
        for (const id of [heldId, later.id]) expect(tally(await rowsNow(t, id), (row) => row.type)).toMatchObject({ booking_confirmation: 2 });
      } finally {
        if (prepared) await held.query(`rollback prepared '${transaction}'`);
        await held.end();
      }
    });

    it('keeps its position when planning fails, and plans the same events on the next pass', async () => {
      const booking = dataOf(await t.gql<{ createBooking: { id: string } }>(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.customer)).createBooking;
      dataOf(await t.gql(CANCEL, { id: booking.id, input: { reason: 'Plans changed' } }, t.tokens.customer));
      const relay = t.app.get(BookingEventRelay);
      const before = await relayPosition(t);
      const planner = t.app.get(NotificationPlanner);
      jest.spyOn(planner, 'planEvents').mockRejectedValueOnce(new Error('connection reset'));

      await expect(relay.drain()).rejects.toThrow('connection reset');
      expect(await relayPosition(t)).toBe(before);
      expect(await rowsNow(t, booking.id)).toEqual([]);

      expect(await relay.drain()).toBe(2);
      expect(await relayPosition(t)).not.toBe(before);
      const rows = await rowsNow(t, booking.id);
      // Cancelled before anything was planned: no confirmation, only the cancellation notices.
      expect(tally(rows, (row) => `${row.type} ${row.status}`)).toEqual({ 'booking_cancelled queued': 4 });
      // Already planned: a further pass finds nothing.
      expect(await relay.drain()).toBe(0);
    });
  });

  it('wakes on the event row NOTIFY, without waiting for its poll', async () => {
    const t = await startTestApp({ env: { HERALD_ROLE: 'worker', NOTIFY_RELAY_POLL: '1h' } });
    const api = await startTestApp({ sharing: t, env: { HERALD_ROLE: 'api' } });
    try {
      const booking = dataOf(await api.gql<{ createBooking: { id: string } }>(CREATE_BOOKING, { input: bookingInput(api) }, api.tokens.customer)).createBooking;
      const rows = await waitFor('the relay to plan the booking', async () => {
        const now = await rowsNow(t, booking.id);
        return now.length > 0 && now;
      }, 5_000);
      expect(rows.some((row) => row.type === 'booking_confirmation')).toBe(true);
    } finally {
      await api.close();
      await t.close();
    }
  });
});
