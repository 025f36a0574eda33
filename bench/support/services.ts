import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { LocalPostgres, LocalRedis, startPostgres, startRedis } from '../../scripts/support/local-services';
import { migrateDatabase } from '../../src/core/database/migrate';

const TEMPLATE_DATABASE = 'bench_template';

/**
 * The run's own Postgres and Redis on free local ports. The schema is migrated once into a
 * template database; each scenario gets a fresh database cloned from it and an emptied Redis.
 * Postgres runs with fsync and synchronous commit off unless BENCH_PG_DURABLE=1.
 */
export class BenchServices {
  private constructor(
    readonly dir: string,
    private readonly postgres: LocalPostgres,
    private readonly redis: LocalRedis,
    readonly durable: boolean,
  ) {}

  static async start(): Promise<BenchServices> {
    const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
    const durable = process.env.BENCH_PG_DURABLE === '1';
    const postgres = await startPostgres({ dataDir: join(dir, 'pg'), fast: !durable });
    const redis = await startRedis({ dataDir: join(dir, 'redis') }).catch(async (error: unknown) => {
      await postgres.stop();
      throw error;
    });
    const services = new BenchServices(dir, postgres, redis, durable);
    try {
      await services.admin(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
      await migrateDatabase(postgres.url(TEMPLATE_DATABASE));
    } catch (error) {
      await services.stop();
      throw error;
    }
    return services;
  }

  get redisUrl(): string {
    return this.redis.url;
  }

  /** A new database with the migrated schema and no rows; returns its URL. */
  async freshDatabase(name: string): Promise<string> {
    await this.admin(`DROP DATABASE IF EXISTS "${name}"`);
    await this.admin(`CREATE DATABASE "${name}" TEMPLATE ${TEMPLATE_DATABASE}`);
    return this.postgres.url(name);
  }

  async dropDatabase(name: string): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }

  async flushRedis(): Promise<void> {
    const redis = new Redis(this.redis.url);
    try {
      await redis.flushall();
    } finally {
      redis.disconnect();
    }
  }

  async versions(): Promise<{ postgres: string; redis: string; postgresSettings: string }> {
    const client = new Client({ connectionString: this.postgres.url('postgres') });
    await client.connect();
    const redis = new Redis(this.redis.url);
    try {
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      const info = await redis.info('server');
      return {
        postgres: rows[0].server_version,
        redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
        postgresSettings: this.durable ? 'defaults (durable)' : 'fsync=off, synchronous_commit=off, full_page_writes=off',
      };
    } finally {
      await client.end();
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.postgres.stop(), this.redis.stop()]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: this.postgres.url('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

/** Runs `work` against a fresh migrated database and Redis of their own, stopped and deleted afterwards. */
export async function withBenchServices<T>(work: (services: { databaseUrl: string; redisUrl: string; dir: string }) => Promise<T>): Promise<T> {
  const services = await BenchServices.start();
  try {
    return await work({ databaseUrl: await services.freshDatabase('bench'), redisUrl: services.redisUrl, dir: services.dir });
  } finally {
    await services.stop();
  }
}
