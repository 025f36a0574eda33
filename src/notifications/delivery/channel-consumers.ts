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
 */
@Injectable()
export class ChannelConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChannelConsumers.name);
  private readonly workers: Worker[] = [];

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
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  private async consume(channel: NotificationChannel, batch: DeliveryBatch): Promise<number> {
    try {
      return (await this.delivery.deliverBatch(channel, batch)).length;
    } finally {
      this.dispatcher.wake();
    }
  }
}
