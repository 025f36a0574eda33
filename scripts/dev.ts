import { MikroORM } from '@mikro-orm/postgresql';
import { INestApplicationContext } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { TokenService } from '../src/auth/token.service';
import { seedDemoData } from '../src/bookings/demo-data';
import { devDataDir, devJwtSecret, recordDevStack } from '../src/core/cli/dev-stack';
import { coloursOnlyOnTerminal } from '../src/core/cli/terminal';
import { SystemClock } from '../src/core/clock/clock';
import { loadConfig } from '../src/core/config/herald-config';
import { migrateDatabase } from '../src/core/database/migrate';
import { startHerald } from '../src/main';
import { NotificationPlanner } from '../src/notifications/planning/notification-planner.service';
import { startPostgres, startRedis } from './support/local-services';

const DATA = devDataDir();

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  coloursOnlyOnTerminal();
  mkdirSync(DATA, { recursive: true });
  const postgres = await startPostgres({ dataDir: join(DATA, 'postgres'), port: Number(process.env.HERALD_DEV_PG_PORT ?? 54329) });
  const redis = await startRedis({ dataDir: join(DATA, 'redis'), port: Number(process.env.HERALD_DEV_REDIS_PORT ?? 63799) });
  const running: { app?: INestApplicationContext } = {};
  const stop = async () => {
    console.log('\nStopping Herald, Postgres and Redis…');
    await running.app?.close().catch(() => undefined);
    await Promise.allSettled([postgres.stop(), redis.stop()]);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  await ensureDatabase(postgres.url('postgres'), 'herald');
  const stack = { DATABASE_URL: postgres.url('herald'), REDIS_URL: redis.url };
  // Read by the CLI (`npm run cli -- token …`) when these variables are not set.
  recordDevStack(DATA, stack);
  const config = loadConfig({
    NODE_ENV: 'development',
    AUTH_JWT_SECRET: devJwtSecret(DATA),
    LOG_LEVEL: 'warn',
    ...process.env,
    ...stack,
  });
  const applied = await migrateDatabase(config.DATABASE_URL);
  console.log(applied.length ? `Migrations applied: ${applied.join(', ')}` : 'Database schema is up to date');

  const app = await startHerald(config);
  running.app = app;
  const orm = app.get<MikroORM>(MikroORM);
  const { users } = await seedDemoData(orm.em.fork(), new SystemClock());
  // Demo bookings are written directly; plan their messages as the operator command would (idempotent).
  const plan = await app.get(NotificationPlanner).scheduleAll({ daysAhead: 30, dryRun: false });
  if (plan.planned > 0) console.log(`Planned ${plan.planned} notification(s) for the demo bookings`);
  const tokens = app.get(TokenService);
  const base = `http://${config.HOST}:${config.PORT}`;
  console.log(
    [
      '\nHerald is up.',
      `  GraphQL (HTTP and graphql-ws): ${base}/graphql`,
      `  Health: ${base}/health`,
      `  Postgres: ${config.DATABASE_URL}`,
      `  Redis: ${config.REDIS_URL}`,
      `  JWT secret: ${config.AUTH_JWT_SECRET === devJwtSecret(DATA) ? join(DATA, 'jwt-secret') : 'AUTH_JWT_SECRET from your shell'}`,
      '  CLI against this stack, in another terminal: npm run build, then npm run -s cli -- token ops@herald.demo\n',
    ].join('\n'),
  );
  console.log('Demo users, each with a ready token (send as Authorization: Bearer <token>):');
  for (const [key, user] of Object.entries(users)) {
    console.log(`\n  ${key} <${user.email}> id=${user.id} roles=${user.roles.join(',')}\n  ${await tokens.mint(user, '7d')}`);
  }
  console.log('\nCtrl-C stops Herald, Postgres and Redis.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
