import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Clock } from '../../core/clock/clock';
import { NotificationChannel } from '../notification.entity';

/** Maintenance ticks only: deliveries have their own queues, so a backlog never delays a tick. */
export const NOTIFICATIONS_QUEUE = 'notifications';

/** One delivery queue per channel: a slow SMS provider never holds up in-app or Telegram. */
export const deliveryQueueName = (channel: NotificationChannel): string => `deliver-${channel}`;

/** Every queue Herald has: the maintenance ticks' and each channel's delivery queue. */
export const HERALD_QUEUES = [NOTIFICATIONS_QUEUE, ...Object.values(NotificationChannel).map(deliveryQueueName)];

/** How long finished maintenance jobs are kept: twice the longest tick (the daily cleanup). */
export const MAINTENANCE_KEPT_S = 2 * 86_400;

export enum NotificationJob {
  /** Move rows entering the horizon to `queued`. */
  Promote = 'promote',
  /** Delete old finished rows. */
  Cleanup = 'cleanup',
  /** Plan the providers' completion reminders of the slot at hand. */
  CompletionReminders = 'completion-reminders',
}

/**
 * A batch of claimed notifications of one channel. `lease` is the claim's lease (ms since the
 * epoch): a consumer takes only the rows still under it, so a batch handed out twice (its lease
 * ran out and the rows were claimed again) is sent once.
 */
export interface DeliveryBatch {
  ids: string[];
  lease: number;
}

/** Jobs not finished yet: waiting (prioritized ones too), active or delayed. */
const pendingJobs = (queue: Queue): Promise<number> => queue.getJobCountByTypes('waiting', 'active', 'prioritized', 'delayed');

/** The notification queues, behind one adapter: ids and timing only ever reach Redis. */
@Injectable()
export class NotificationQueue implements OnModuleInit {
  private readonly logger = new Logger(NotificationQueue.name);
  private readonly deliveries: Map<NotificationChannel, Queue>;

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue,
    @InjectQueue(deliveryQueueName(NotificationChannel.in_app)) inApp: Queue,
    @InjectQueue(deliveryQueueName(NotificationChannel.telegram)) telegram: Queue,
    @InjectQueue(deliveryQueueName(NotificationChannel.email)) email: Queue,
    @InjectQueue(deliveryQueueName(NotificationChannel.sms)) sms: Queue,
    private readonly clock: Clock,
  ) {
    this.deliveries = new Map([
      [NotificationChannel.in_app, inApp],
      [NotificationChannel.telegram, telegram],
      [NotificationChannel.email, email],
      [NotificationChannel.sms, sms],
    ]);
    // A Queue re-emits its connection's errors; with no listener one would crash the process.
    for (const each of this.all) each.on('error', (error) => this.logger.warn(`Queue ${each.name}: ${error.message}`));
  }

  /**
   * Start-up waits for the queues' Redis connection: a missing Redis stops the boot, and a
   * process closed right after it started cannot leave a half-open connection that BullMQ
   * would report as an unhandled error.
   */
  async onModuleInit(): Promise<void> {
    await Promise.all(this.all.map((each) => each.waitUntilReady()));
  }

  /** Hands claimed batches to their channel's consumers. */
  async dispatch(channel: NotificationChannel, batches: readonly DeliveryBatch[]): Promise<void> {
    if (batches.length === 0) return;
    await this.deliveryQueue(channel).addBulk(
      batches.map((data) => ({ name: 'deliver', data, opts: { removeOnComplete: true, removeOnFail: { age: 86_400 } } })),
    );
  }

  /** Batches of a channel waiting or being sent: the dispatcher hands out no more while it is high. */
  async backlog(channel: NotificationChannel): Promise<number> {
    return pendingJobs(this.deliveryQueue(channel));
  }

  /** Jobs waiting, being worked on or delayed, per queue (the maintenance queue and each channel's). */
  async depths(): Promise<{ queue: string; depth: number }[]> {
    return Promise.all(this.all.map(async (queue) => ({ queue: queue.name, depth: await pendingJobs(queue) })));
  }

  /**
   * Runs a maintenance job once per tick, however many schedulers ask for it: the job id names the
   * tick, and a finished job is kept (so asking again adds nothing) for MAINTENANCE_KEPT_S. One
   * age for every maintenance job: BullMQ trims a queue's finished jobs by the age the finishing
   * job carries, so a shorter-lived tick would take a longer one's record with it.
   */
  async tick(job: NotificationJob, everyMs: number): Promise<void> {
    const tick = Math.floor(this.clock.now().getTime() / everyMs);
    await this.queue.add(job, {}, { jobId: `${job}-${tick}`, removeOnComplete: { age: MAINTENANCE_KEPT_S }, removeOnFail: { age: MAINTENANCE_KEPT_S } });
  }

  deliveryQueue(channel: NotificationChannel): Queue {
    return this.deliveries.get(channel)!;
  }

  /** Every Herald queue: maintenance first, then one per channel. */
  get all(): Queue[] {
    return [this.queue, ...this.deliveries.values()];
  }

  /** The maintenance queue, for tests. */
  get bullQueue(): Queue {
    return this.queue;
  }
}
