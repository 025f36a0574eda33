import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetadataStorage } from '@mikro-orm/core';
import { Client } from 'pg';
import { startPostgres, startRedis } from '../../scripts/support/local-services';
import { migrateDatabase } from '../../src/core/database/migrate';
import { databaseUrl } from './databases';

/**
 * Starts a real Postgres and Redis on free ports (unless HERALD_TEST_DATABASE_URL and
 * HERALD_TEST_REDIS_URL point at running ones) and migrates a template database that every
 * test file clones.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.HERALD_TEST_DATABASE_URL || !process.env.HERALD_TEST_REDIS_URL) {
    const dir = mkdtempSync(join(tmpdir(), 'herald-test-'));
    const postgres = await startPostgres({ dataDir: join(dir, 'pg'), fast: true });
    const redis = await startRedis({ dataDir: join(dir, 'redis') });
    (globalThis as Record<string, unknown>).__heraldServices = { postgres, redis, dir };
    process.env.HERALD_TEST_DATABASE_URL = postgres.url('postgres');
    process.env.HERALD_TEST_REDIS_URL = redis.url;
  }
  const template = `herald_template_${process.pid}`;
  process.env.HERALD_TEST_TEMPLATE = template;
  const admin = new Client({ connectionString: process.env.HERALD_TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${template}"`);
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(databaseUrl(template));
  // Jest may run test files in this same process; entity metadata discovered here must not leak into them.
  MetadataStorage.clear();
}
