import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { Deployment, DeploymentOptions, ensureBuilt, REPO_ROOT } from '../bench/support/herald';
import { insertBookedCustomers, insertDueRows, statusCounts } from '../bench/support/seed';
import { BENCH_JWT_SECRET } from '../bench/support/tokens';
import { freePort } from '../scripts/support/local-services';
import { parseDuration } from '../src/core/config/duration';
import { UNSUBSCRIBE_PATH } from '../src/preferences/unsubscribe-links';
import { createTestDatabase } from './support/databases';
import { SmtpPeer } from './support/smtp-peer';
import { waitFor } from './notifications-delivery.fixtures';

const DISPATCH_LEASE = '10s';
/** What stopping may take beyond draining: closing loops and connections. */
const CLOSE_SLACK_MS = 5_000;

const notificationIdOf = (raw: Buffer): string => /^X-Herald-Notification: (\S+)/im.exec(raw.toString('utf8'))![1];

/** Its own database with `rows` email rows due now, a slow SMTP server, and where Herald processes of the scene point. */
interface Scene {
  db: Pool;
  peer: SmtpPeer;
  target: Omit<DeploymentOptions, 'processes'>;
  close(): Promise<void>;
}

async function openScene(options: { rows: number; answerDelayMs: number; drainTimeout: string }): Promise<Scene> {
  ensureBuilt(() => undefined);
  const database = await createTestDatabase();
  const db = new Pool({ connectionString: database.url, max: 2 });
  // A slow provider: each message answered this long after it arrived, five connections at a time.
  const peer = await SmtpPeer.start({ answerDelayMs: options.answerDelayMs });
  await insertBookedCustomers(db, { customers: 50 });
  await insertDueRows(db, { count: options.rows, channel: 'email', firstDueAt: new Date(), spreadMs: 0, keyPrefix: 'shutdown' });
  return {
    db,
    peer,
    target: {
      databaseUrl: database.url,
      redisUrl: process.env.HERALD_TEST_REDIS_URL!,
      keyPrefix: `herald-shutdown-${randomBytes(4).toString('hex')}`,
      env: {
        // As deployed, not as jest's environment says.
        NODE_ENV: 'production',
        SMTP_URL: peer.url,
        // Small batches: several at hand when the signal comes, and more waiting in Postgres.
        NOTIFY_DISPATCH_BATCH: '20',
        NOTIFY_DISPATCH_LEASE: DISPATCH_LEASE,
        SHUTDOWN_DRAIN_TIMEOUT: options.drainTimeout,
      },
    },
    close: async () => {
      await db.end();
      await peer.stop();
      await database.drop();
    },
  };
}

/** Rows `sending` under a send's own lease (NOTIFY_SENDING_TIMEOUT), which outlasts any dispatch lease taken before `after`. */
async function underSendLease(db: Pool, after: number): Promise<number> {
  const { rows } = await db.query<{ count: number }>(`select count(*)::int as count from notifications where status = 'sending' and lease_until > $1`, [
    new Date(after + parseDuration(DISPATCH_LEASE)),
  ]);
  return rows[0].count;
}

/**
 * A worker process (`node dist/src/main.js`, as deployed) stopped with SIGTERM in the middle of
 * sending email to a slow SMTP server, then a second worker finishing the work.
 */
describe('graceful shutdown of a worker process (e2e)', () => {
  const ROWS = 300;
  const DRAIN_TIMEOUT = '10s';
  let scene: Scene;
  let first: Deployment;
  let healthPort: number;
  let exit: { info: string; at: number; tookMs: number };

  beforeAll(async () => {
    scene = await openScene({ rows: ROWS, answerDelayMs: 150, drainTimeout: DRAIN_TIMEOUT });
    healthPort = await freePort();
    first = await Deployment.start({ ...scene.target, processes: [{ role: 'worker', env: { HEALTH_PORT: String(healthPort) } }] });
  }, 300_000);

  afterAll(async () => {
    await first?.stop();
    await scene?.close();
  });

  it('serves GET /health on HEALTH_PORT, and nothing else, which the container health check asks', async () => {
    const response = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    // The unsubscribe endpoint its modules register is the API's to serve.
    expect((await fetch(`http://127.0.0.1:${healthPort}${UNSUBSCRIBE_PATH}?token=x`)).status).toBe(404);

    const probe = join(REPO_ROOT, 'dist', 'src', 'core', 'health', 'health-probe.js');
    const env = { PATH: process.env.PATH, HERALD_ROLE: 'worker', AUTH_JWT_SECRET: BENCH_JWT_SECRET };
    await expect(promisify(execFile)(process.execPath, [probe], { env: { ...env, HEALTH_PORT: String(healthPort) } })).resolves.toMatchObject({ stdout: expect.stringMatching(/^200 /) });
    await expect(promisify(execFile)(process.execPath, [probe], { env })).rejects.toMatchObject({ code: 1 });
  });

  it('on SIGTERM drains the sends in flight and exits 0 within SHUTDOWN_DRAIN_TIMEOUT, every message the provider took recorded', async () => {
    const { db, peer } = scene;
    await waitFor('the worker to be sending', async () => peer.accepted >= 40, 60_000);
    const signalledAt = Date.now();
    const info = await first.stopProcess('herald-worker');
    exit = { info, at: Date.now(), tookMs: Date.now() - signalledAt };

    expect(exit.info).toBe('exited with code 0');
    expect(exit.tookMs).toBeLessThan(parseDuration(DRAIN_TIMEOUT) + CLOSE_SLACK_MS);
    const counts = await statusCounts(db);
    // Accepted by the provider and not recorded is what recovery would send twice: there is none.
    expect(counts.sent).toBe(peer.accepted);
    expect(counts.sent).toBeLessThan(ROWS);
    // Rows of batches not started are queued again at once; none waits out a send's lease.
    expect(await underSendLease(db, exit.at)).toBe(0);
    expect(counts.queued).toBeGreaterThan(0);
  }, 120_000);

  it('a second worker sends every remaining row at once, each message exactly once, none after the first one exited', async () => {
    const { db, peer } = scene;
    const acceptedAtExit = peer.accepted;
    const secondStartedAt = Date.now();
    const second = await Deployment.start({ ...scene.target, processes: [{ role: 'worker' }] });
    try {
      await waitFor('every row to be sent', async () => (await statusCounts(db)).sent === ROWS, 60_000);
    } finally {
      await second.stop();
    }

    expect(peer.received.filter((mail) => mail.receivedAt > exit.at && mail.receivedAt < secondStartedAt)).toHaveLength(0);
    expect(acceptedAtExit).toBeLessThan(ROWS);
    const ids = peer.received.map((mail) => notificationIdOf(mail.raw));
    expect(ids).toHaveLength(ROWS);
    expect(new Set(ids).size).toBe(ROWS);
    // The attempts the first worker took but never made were given back.
    const { rows } = await db.query<{ attempts: number; count: number }>(`select attempts, count(*)::int as count from notifications group by attempts`);
    expect(rows).toEqual([{ attempts: 1, count: ROWS }]);
  }, 120_000);
});

describe('graceful shutdown of a worker whose sends outlast SHUTDOWN_DRAIN_TIMEOUT (e2e)', () => {
  const ROWS = 40;
  let scene: Scene;
  let worker: Deployment;

  beforeAll(async () => {
    scene = await openScene({ rows: ROWS, answerDelayMs: 3_000, drainTimeout: '1s' });
    worker = await Deployment.start({ ...scene.target, processes: [{ role: 'worker' }] });
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await scene?.close();
  });

  it('exits 0 at the deadline, the unfinished sends keeping their lease and the rows not started queued again (the documented residual)', async () => {
    const { db, peer } = scene;
    await waitFor('messages to be on their way', async () => peer.answering >= 1, 60_000);
    const signalledAt = Date.now();
    expect(await worker.stopProcess('herald-worker')).toBe('exited with code 0');
    const exitedAt = Date.now();
    expect(exitedAt - signalledAt).toBeLessThan(parseDuration('1s') + CLOSE_SLACK_MS);

    const counts = await statusCounts(db);
    const unfinished = await underSendLease(db, exitedAt);
    // Neither recorded as failed nor sent: still leased, back after NOTIFY_SENDING_TIMEOUT.
    expect(unfinished).toBeGreaterThan(0);
    expect({ sent: counts.sent ?? 0, failed: counts.failed ?? 0 }).toEqual({ sent: 0, failed: 0 });
    expect(counts.queued).toBeGreaterThan(0);
    // The provider may still take what was on its way: the messages a second send could repeat.
    await waitFor('the provider to answer what it was sent', async () => peer.answering === 0, 30_000);
    expect(peer.accepted).toBeLessThanOrEqual(unfinished);
  }, 120_000);
});
