import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRedis, startRedis } from '../../scripts/support/local-services';
import { DueStream, itDeliversEveryMessageOnce, streamWithFaults } from './support/due-stream';
import { FaultRun, faultSize } from './support/fault-run';

const IN_APP = faultSize('REDIS_IN_APP', 3000);
const EMAIL = faultSize('REDIS_EMAIL', 600);

/**
 * Redis is lost twice while due rows stream out over ~20 s: at a third sent, its server is
 * stopped and started again on the same port (empty: it keeps nothing on disk); at two thirds,
 * FLUSHALL. Postgres is the truth and Redis only carries batches on their way, so every message
 * must still go exactly once.
 */
describe('Redis restarted and flushed mid-run', () => {
  let run: FaultRun;
  let redis: LocalRedis;
  let stream: DueStream;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-fault-redis-'));
    redis = await startRedis({ dataDir: dir });
    run = await FaultRun.open('redis-outage', { redisUrl: redis.url });
    run.onClose(async () => {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    stream = await streamWithFaults(run, {
      inApp: IN_APP,
      email: EMAIL,
      recipients: faultSize('REDIS_RECIPIENTS', 300),
      spreadMs: faultSize('REDIS_SPREAD_S', 20) * 1000,
      timeoutMs: 120_000,
      faults: [
        {
          name: 'restarting Redis',
          inflict: async () => {
            await redis.stop();
            redis = await startRedis({ dataDir: dir, port: redis.port });
          },
        },
        {
          name: 'FLUSHALL',
          inflict: async () => {
            const client = new Redis(redis.url);
            await client.flushall();
            await client.quit();
          },
        },
      ],
    });
  }, 10 * 60_000);

  afterAll(() => run?.close());

  itDeliversEveryMessageOnce('redis-outage', () => ({ run, stream, inApp: IN_APP, email: EMAIL, note: 'Redis restarted, then FLUSHALL' }));
});
