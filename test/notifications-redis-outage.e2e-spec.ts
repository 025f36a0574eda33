import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRedis, startRedis } from '../scripts/support/local-services';
import { bookingInput, CREATE_BOOKING, dataOf } from './bookings.fixtures';
import { waitFor } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

/** Herald on a Redis of its own, so that stopping it touches no other spec. */
describe('notifications: Redis outage (e2e)', () => {
  let dir: string;
  let redis: LocalRedis;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-redis-outage-'));
    redis = await startRedis({ dataDir: dir });
    t = await startTestApp({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers createBooking within 2 s with Redis stopped, reports Redis down, and sends the confirmation once Redis is back', async () => {
    const port = redis.port;
    await redis.stop();

    const started = Date.now();
    const result = await t.gql<{ createBooking: { id: string; status: string } }>(CREATE_BOOKING, { input: bookingInput(t) }, t.tokens.customer);
    const elapsed = Date.now() - started;
    const booking = dataOf(result).createBooking;
    expect(booking.status).toBe('pending');
    expect(elapsed).toBeLessThan(2_000);

    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { error?: Record<string, unknown> }).error).toHaveProperty('redis');

    // The plan is in Postgres already: the relay needs no Redis.
    const planned = await waitFor('the plan to be written', async () => {
      const [row] = await t.orm.em
        .getConnection()
        .execute<{ n: number }[]>(`select count(*)::int as n from notifications where booking_id = ? and type = 'booking_confirmation'`, [booking.id]);
      return row.n > 0 && row.n;
    });
    expect(planned).toBe(2);

    redis = await startRedis({ dataDir: dir, port });
    const sent = await waitFor(
      'the confirmation to be sent once Redis is back',
      async () => {
        const rows = await t.orm.em
          .getConnection()
          .execute<{ channel: string; status: string }[]>(`select channel, status from notifications where booking_id = ? and type = 'booking_confirmation'`, [booking.id]);
        return rows.every((row) => row.status === 'sent') && rows;
      },
      20_000,
    );
    expect(sent.map((row) => row.channel).sort()).toEqual(['email', 'in_app']);
  });
});
