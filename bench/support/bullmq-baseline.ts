import { Job, Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisOptions } from '../../src/core/redis/redis.module';
import { loadConfig } from '../../src/core/config/herald-config';
import { BENCH_JWT_SECRET } from './tokens';
import { pollUntil } from './time';

/**
 * Bare BullMQ on the scenario's Redis, in the bench process: the floor a queue-per-job design
 * stands on. Each run uses its own queue under the `bench-baseline` prefix and removes it after.
 */

const PREFIX = 'bench-baseline';
const ADD_CHUNK = 1000;

/** BullMQ's connection options for `redisUrl`, as Herald builds them. */
export function bullConnection(redisUrl: string) {
  return redisOptions(loadConfig({ REDIS_URL: redisUrl, AUTH_JWT_SECRET: BENCH_JWT_SECRET }));
}

/** A job as Herald's queue adds it: job id = notification id, payload = that id. */
const deliverJob = (delay: number, data: Record<string, unknown> = {}) => {
  const id = randomUUID();
  return { name: 'deliver', data: { notificationId: id, ...data }, opts: { jobId: id, delay, removeOnComplete: true, removeOnFail: true } };
};

async function addAll(queue: Queue, jobs: ReturnType<typeof deliverJob>[]): Promise<void> {
  for (let first = 0; first < jobs.length; first += ADD_CHUNK) await queue.addBulk(jobs.slice(first, first + ADD_CHUNK));
}

async function withQueue<T>(redisUrl: string, use: (queue: Queue, name: string) => Promise<T>): Promise<T> {
  const name = `baseline-${randomUUID()}`;
  const queue = new Queue(name, { connection: bullConnection(redisUrl), prefix: PREFIX });
  try {
    return await use(queue, name);
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

export interface ThroughputResult {
  completed: number;
  elapsedMs: number;
  timedOut: boolean;
}

/** `count` jobs due now, through a no-op processor with `concurrency`: time from the first add to the last completion. */
export function noOpThroughput(redisUrl: string, count: number, concurrency: number, timeoutMs: number): Promise<ThroughputResult> {
  return withQueue(redisUrl, async (queue, name) => {
    let completed = 0;
    const worker = new Worker(name, async () => void completed++, { connection: bullConnection(redisUrl), prefix: PREFIX, concurrency });
    try {
      await worker.waitUntilReady();
      const started = performance.now();
      await addAll(queue, Array.from({ length: count }, () => deliverJob(0)));
      const done = await pollUntil(() => completed >= count, { timeoutMs, everyMs: 5 });
      return { completed, elapsedMs: performance.now() - started, timedOut: !done };
    } finally {
      await worker.close();
    }
  });
}

export interface LatenessResult {
  /** Processed minus scheduled, per processed job, in ms. */
  latenessMs: number[];
  scheduled: number;
}

/**
 * Delayed jobs at `ratePerSecond` for `seconds`, the first due `leadMs` from now, through a
 * no-op processor: lateness = processing start − scheduled time.
 */
export function delayedLateness(redisUrl: string, options: { ratePerSecond: number; seconds: number; leadMs: number; concurrency: number; timeoutMs: number }): Promise<LatenessResult> {
  return withQueue(redisUrl, async (queue, name) => {
    const latenessMs: number[] = [];
    const worker = new Worker(name, async (job: Job<{ dueAt: number }>) => void latenessMs.push(Date.now() - job.data.dueAt), {
      connection: bullConnection(redisUrl),
      prefix: PREFIX,
      concurrency: options.concurrency,
    });
    try {
      await worker.waitUntilReady();
      const count = Math.round(options.ratePerSecond * options.seconds);
      const firstDueAt = Date.now() + options.leadMs;
      const stepMs = 1000 / options.ratePerSecond;
      const jobs = Array.from({ length: count }, (_, i) => {
        const dueAt = Math.round(firstDueAt + i * stepMs);
        return { dueAt, job: deliverJob(0, { dueAt }) };
      });
      // Delays are relative to the moment of adding, so each chunk computes its own.
      for (let first = 0; first < jobs.length; first += ADD_CHUNK) {
        const now = Date.now();
        await queue.addBulk(jobs.slice(first, first + ADD_CHUNK).map(({ dueAt, job }) => ({ ...job, opts: { ...job.opts, delay: Math.max(0, dueAt - now) } })));
      }
      await pollUntil(() => latenessMs.length >= count, { timeoutMs: options.leadMs + options.seconds * 1000 + options.timeoutMs, everyMs: 50 });
      return { latenessMs, scheduled: count };
    } finally {
      await worker.close();
    }
  });
}

/** Redis used_memory in bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** Bytes of Redis memory per delayed job (a day away), measured over `count` jobs. */
export function delayedJobBytes(redisUrl: string, count: number): Promise<number> {
  return withQueue(redisUrl, async (queue) => {
    const redis = new Redis(redisUrl);
    try {
      await queue.waitUntilReady();
      const before = await usedMemory(redis);
      await addAll(queue, Array.from({ length: count }, () => deliverJob(86_400_000)));
      return ((await usedMemory(redis)) - before) / count;
    } finally {
      redis.disconnect();
    }
  });
}
