import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { DeliverJobData, NOTIFICATIONS_QUEUE, NotificationJob } from '../queue/notification-queue';
import { DeliveryService } from './delivery.service';
import { MaintenanceService } from './maintenance.service';

/**
 * The notifications queue's consumer, on worker processes only. Thin: a job carries an id at
 * most; the services reload everything from Postgres. A delivery to try again later keeps its
 * job (same id), moved back to delayed; Postgres, not BullMQ, counts the attempts.
 */
@Processor(NOTIFICATIONS_QUEUE)
export class NotificationsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    private readonly delivery: DeliveryService,
    private readonly maintenance: MaintenanceService,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
  ) {
    super();
  }

  /** Ready before the app counts as started, so closing it at once never cuts a connection mid-handshake. */
  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.NOTIFY_WORKER_CONCURRENCY;
    await this.worker.waitUntilReady();
  }

  /** Redis hiccups (and connections closing at shutdown) are logged; unhandled they would crash the process. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`Queue worker: ${error.message}`);
  }

  async process(job: Job, token?: string): Promise<unknown> {
    switch (job.name as NotificationJob) {
      case NotificationJob.Deliver: {
        const outcome = await this.delivery.deliver((job.data as DeliverJobData).notificationId);
        if (outcome.status === 'retry' || outcome.status === 'early') {
          // Herald's clock may differ from the wall clock (tests move it): wait the same span in real time.
          const waitMs = Math.max(0, outcome.retryAt.getTime() - this.clock.now().getTime());
          await job.moveToDelayed(Date.now() + waitMs, token);
          throw new DelayedError();
        }
        return outcome.status;
      }
      case NotificationJob.Promote:
        return this.maintenance.promote();
      case NotificationJob.Reconcile:
        return this.maintenance.reconcile();
      case NotificationJob.Cleanup:
        return this.maintenance.cleanup();
      default:
        this.logger.error(`Unknown job "${job.name}" (${job.id}) on the ${NOTIFICATIONS_QUEUE} queue`);
        throw new Error(`unknown job ${job.name}`);
    }
  }
}
