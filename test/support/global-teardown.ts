import { rmSync } from 'node:fs';
import { Client } from 'pg';
import type { LocalPostgres, LocalRedis } from '../../scripts/support/local-services';

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__heraldServices as
    | { postgres: LocalPostgres; redis: LocalRedis; dir: string }
    | undefined;
  if (services) {
    await Promise.all([services.postgres.stop(), services.redis.stop()]);
    rmSync(services.dir, { recursive: true, force: true });
    return;
  }
  // Servers we were given stay up; only our template goes.
  const admin = new Client({ connectionString: process.env.HERALD_TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${process.env.HERALD_TEST_TEMPLATE}"`);
  await admin.end();
}
