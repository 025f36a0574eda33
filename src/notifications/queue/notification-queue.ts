import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Clock } from '../../core/clock/clock';

export const NOTIFICATIONS_QUEUE = 'notifications';

export enum NotificationJob {
  /** Send one notification; job id = notification id, payload = that id only. */
  Deliver = 'deliver',
  /** Move rows entering the horizon from Postgres into the queue. */
  Promote = 'promote',
  /** Rebuild jobs Redis lost, requeue interrupted sends. */
  Reconcile = 'reconcile',
  /** Delete old finished rows. */
  Cleanup = 'cleanup',
}

export interface DeliverJobData {
  notificationId: string;
}

/** The notifications queue, behind one adapter: ids and timing only ever reach Redis. */
@Injectable()
export class NotificationQueue implements OnModuleInit {
  private readonly logger = new Logger(NotificationQueue.name);

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue,
    private readonly clock: Clock,
  ) {
    // A Queue re-emits its connection's errors; with no listener one would crash the process.
    queue.on('error', (error) => this.logger.warn(`Notifications queue: ${error.message}`));
  }

  /**
   * Start-up waits for the queue's Redis connection: a missing Redis stops the boot, and a
   * process closed right after it started cannot leave a half-open connection that BullMQ
   * would report as an unhandled error.
   */
  async onModuleInit(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  /**
   * Adds a delayed delivery job per notification, job id = notification id, so adding one that
   * is already waiting changes nothing.
   */
  async enqueue(items: readonly { id: string; dueAt: Date }[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now().getTime();
    await this.queue.addBulk(
      items.map(({ id, dueAt }) => ({
        name: NotificationJob.Deliver,
        data: { notificationId: id } satisfies DeliverJobData,
        opts: { jobId: id, delay: Math.max(0, dueAt.getTime() - now), removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  /** Drops waiting delivery jobs; a job already running is left to its send-time check. */
  async remove(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.queue.remove(id)));
  }

  /** Runs a maintenance job once per tick, however many schedulers ask for it. */
  async tick(job: Exclude<NotificationJob, NotificationJob.Deliver>, everyMs: number): Promise<void> {
    const tick = Math.floor(this.clock.now().getTime() / everyMs);
    await this.queue.add(job, {}, { jobId: `${job}-${tick}`, removeOnComplete: { age: Math.ceil((everyMs * 2) / 1000) }, removeOnFail: { age: 86_400 } });
  }

  /** The underlying queue, for the processor's own job control and for tests. */
  get bullQueue(): Queue {
    return this.queue;
  }
}
