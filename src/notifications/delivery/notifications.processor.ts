import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { NOTIFICATIONS_QUEUE, NotificationJob } from '../queue/notification-queue';
import { NotificationPlanner } from '../planning/notification-planner.service';
import { MaintenanceService } from './maintenance.service';

/**
 * The maintenance queue's consumer, on worker processes only: the ticks schedulers ask for.
 * Deliveries have queues of their own (ChannelConsumers), so no backlog delays a tick.
 */
@Processor(NOTIFICATIONS_QUEUE)
export class NotificationsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly planner: NotificationPlanner,
  ) {
    super();
  }

  /** Ready before the app counts as started, so closing it at once never cuts a connection mid-handshake. */
  async onApplicationBootstrap(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Redis hiccups (and connections closing at shutdown) are logged; unhandled they would crash the process. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`Queue worker: ${error.message}`);
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as NotificationJob) {
      case NotificationJob.Promote:
        return this.maintenance.promote();
      case NotificationJob.Cleanup:
        return this.maintenance.cleanup();
      case NotificationJob.CompletionReminders:
        return this.planner.planCompletionReminders();
      default:
        this.logger.error(`Unknown job "${job.name}" (${job.id}) on the ${NOTIFICATIONS_QUEUE} queue`);
        throw new Error(`unknown job ${job.name}`);
    }
  }
}
