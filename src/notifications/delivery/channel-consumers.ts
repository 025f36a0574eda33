import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { bullPrefix, RedisConnections } from '../../core/redis/redis.module';
import { NotificationChannel } from '../notification.entity';
import { DeliveryBatch, deliveryQueueName } from '../queue/notification-queue';
import { DeliveryService } from './delivery.service';
import { Dispatcher } from './dispatcher';

/**
 * One BullMQ consumer per channel queue, on worker processes. Thin: a job carries a batch of ids
 * and its lease; DeliveryService reloads everything from Postgres. Each channel has its own
 * worker, so a slow provider only ever holds up its own channel. A finished batch wakes the
 * dispatcher of this process, if it runs one, to hand out the next.
 *
 * Stopping (`drain`) is graceful and bounded: see there.
 */
@Injectable()
export class ChannelConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChannelConsumers.name);
  private readonly workers: Worker[] = [];
  private draining: Promise<boolean> | null = null;

  constructor(
    private readonly delivery: DeliveryService,
    private readonly config: HeraldConfig,
    private readonly dispatcher: Dispatcher,
    private readonly connections: RedisConnections,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runs(ProcessRole.Worker)) return;
    for (const channel of Object.values(NotificationChannel)) {
      const worker = new Worker<DeliveryBatch>(deliveryQueueName(channel), (job: Job<DeliveryBatch>) => this.consume(channel, job.data), {
        connection: this.connections.bullmqConnection(`consumer-${channel}`),
        prefix: bullPrefix(this.config),
        concurrency: this.config.NOTIFY_WORKER_CONCURRENCY,
      });
      // Redis hiccups (and connections closing at shutdown) are logged; unhandled they would crash the process.
      worker.on('error', (error) => this.logger.warn(`Consumer of ${channel}: ${error.message}`));
      this.workers.push(worker);
    }
    // Ready before the app counts as started, so closing it at once never cuts a connection mid-handshake.
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /**
   * Stops taking work and lets what is in flight end, for at most SHUTDOWN_DRAIN_TIMEOUT: the
   * consumers fetch no more batches, the dispatcher claims no more rows, and the rows of batches
   * at hand whose send has not started go back to `queued` at once for another worker (see
   * DeliveryService.stopStarting); sends in flight are recorded as they end. False when one is
   * still unfinished at the deadline: the process should then exit without closing anything, so
   * that its row keeps its lease and comes back when that runs out (NOTIFY_SENDING_TIMEOUT).
   * Batches still waiting in Redis stay there for the other workers; with none left, their rows
   * come back after NOTIFY_DISPATCH_LEASE. Once only, however often asked.
   */
  drain(): Promise<boolean> {
    this.draining ??= this.stopTakingWork();
    return this.draining;
  }

  private async stopTakingWork(): Promise<boolean> {
    // The dispatcher's last pass may still hand out batches: consumers fetching them now give their rows back.
    const stopped = this.delivery
      .stopStarting()
      .then(() => this.dispatcher.stop())
      .then(() => Promise.all(this.workers.map((worker) => worker.close())));
    const timeoutMs = this.config.shutdownDrainMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), timeoutMs)));
    const ended = await Promise.race([stopped.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (ended === 'drained') return true;
    this.logger.warn(`Sends still unfinished after ${timeoutMs} ms (SHUTDOWN_DRAIN_TIMEOUT): their rows keep their lease`);
    return false;
  }

  private async consume(channel: NotificationChannel, batch: DeliveryBatch): Promise<number> {
    try {
      return (await this.delivery.deliverBatch(channel, batch)).length;
    } finally {
      this.dispatcher.wake();
    }
  }
}
