/**
 * Delivery throughput: N due in-app notifications pushed through Herald's worker (claim in
 * Postgres, send-time check, render, deliver, record) against the bare baseline of the same
 * number of BullMQ jobs with a no-op processor on the same Redis, in the same run.
 *
 *   npm run bench              (N=2000)
 *   BENCH_N=10000 npm run bench
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';
import { AppModule } from '../src/app.module';
import { loadConfig, ProcessRole } from '../src/core/config/herald-config';
import { redisOptions } from '../src/core/redis/redis.module';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { Dispatcher } from '../src/notifications/delivery/dispatcher';
import { Locale, User } from '../src/users/user.entity';
import { Role } from '../src/auth/role';
import { Booking } from '../src/bookings/booking.entity';
import { withBenchServices } from './services';

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.NOTIFY_WORKER_CONCURRENCY ?? 10);

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function baseline(redisUrl: string): Promise<number> {
  const connection = redisOptions(loadConfig({ REDIS_URL: redisUrl, AUTH_JWT_SECRET: 'x'.repeat(32) }));
  const queue = new Queue('baseline', { connection, prefix: 'bench' });
  let done = 0;
  const worker = new Worker('baseline', async () => void done++, { connection, prefix: 'bench', concurrency: CONCURRENCY });
  const started = performance.now();
  await queue.addBulk(Array.from({ length: N }, (_, i) => ({ name: 'noop', data: { id: String(i) }, opts: { jobId: `job-${i}`, removeOnComplete: true } })));
  await until(async () => done >= N, 120_000);
  const elapsed = performance.now() - started;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return elapsed;
}

async function herald(databaseUrl: string, redisUrl: string): Promise<number> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    HERALD_ROLE: ProcessRole.Worker,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: 'bench',
    AUTH_JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
    LOG_LEVEL: 'warn',
    NOTIFY_WORKER_CONCURRENCY: String(CONCURRENCY),
  });
  const app: INestApplicationContext = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: ['warn', 'error'] });
  await app.init();
  const em = app.get<MikroORM>(MikroORM).em.fork();
  const provider = em.create(User, { name: 'Provider', email: 'provider@bench.test', roles: [Role.provider], locale: Locale.en, timezone: 'Asia/Tashkent' });
  const customers = Array.from({ length: 50 }, (_, i) =>
    em.create(User, { name: `Customer ${i}`, email: `c${i}@bench.test`, roles: [Role.customer], locale: Locale.en, timezone: 'Asia/Tashkent' }),
  );
  const now = new Date();
  const bookings = customers.map((customer, i) => {
    const startsAt = new Date(now.getTime() + (48 + i) * 3_600_000);
    return em.create(Booking, {
      customer,
      provider,
      serviceName: 'Haircut',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 1_800_000),
      timezone: 'Asia/Tashkent',
      price: '100000.00',
      currency: 'UZS',
    });
  });
  await em.flush();
  Array.from({ length: N }, (_, i) => {
    const booking = bookings[i % bookings.length];
    return em.create(Notification, {
      recipient: booking.customer,
      booking,
      type: NotificationType.booking_confirmation,
      channel: NotificationChannel.in_app,
      dueAt: now,
      status: NotificationStatus.queued,
      bookingVersion: 1,
      payload: { startsAt: booking.startsAt.toISOString(), endsAt: booking.endsAt.toISOString() },
      dedupKey: `bench:${i}`,
    });
  });
  await em.flush();

  const sent = async () => (await em.fork().count(Notification, { status: { $in: [NotificationStatus.sent, NotificationStatus.skipped, NotificationStatus.failed] } })) >= N;
  const started = performance.now();
  await app.get(Dispatcher).pass();
  await until(sent, 300_000);
  const elapsed = performance.now() - started;
  const delivered = await em.fork().count(Notification, { status: NotificationStatus.sent });
  if (delivered !== N) throw new Error(`expected ${N} sent, saw ${delivered}`);
  await app.close();
  return elapsed;
}

async function main(): Promise<void> {
  await withBenchServices(async ({ databaseUrl, redisUrl }) => {
    const bare = await baseline(redisUrl);
    const full = await herald(databaseUrl, redisUrl);
    const rate = (ms: number) => Math.round((N / ms) * 1000);
    console.log(`\nDelivery of ${N} due in-app notifications, worker concurrency ${CONCURRENCY}`);
    console.log(`  baseline: raw BullMQ, no-op processor   ${bare.toFixed(0).padStart(7)} ms  ${String(rate(bare)).padStart(6)} jobs/s`);
    console.log(`  herald:   claim + check + render + send ${full.toFixed(0).padStart(7)} ms  ${String(rate(full)).padStart(6)} notifications/s`);
    console.log(`  ratio herald/baseline: ${(full / bare).toFixed(1)}x the time of bare BullMQ`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
