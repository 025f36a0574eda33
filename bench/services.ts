import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startPostgres, startRedis } from '../scripts/support/local-services';
import { migrateDatabase } from '../src/core/database/migrate';

export interface BenchServices {
  /** A migrated, empty database. */
  databaseUrl: string;
  redisUrl: string;
  /** A scratch folder, removed with the servers. */
  dir: string;
}

/** Runs `work` against a Postgres and a Redis of its own, stopped and deleted afterwards. */
export async function withBenchServices<T>(work: (services: BenchServices) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const postgres = await startPostgres({ dataDir: join(dir, 'pg'), fast: true });
  const redis = await startRedis({ dataDir: join(dir, 'redis') });
  try {
    const admin = new Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    await migrateDatabase(postgres.url('bench'));
    return await work({ databaseUrl: postgres.url('bench'), redisUrl: redis.url, dir });
  } finally {
    await Promise.allSettled([postgres.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
