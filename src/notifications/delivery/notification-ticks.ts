import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationJob, NotificationQueue } from '../queue/notification-queue';
import { briefError } from '../../core/errors/graphql-error.filter';

const INTERVAL_NAME = 'notifications:maintenance-ticks';
const DAY = 86_400_000;
/** Completion reminders are looked for every quarter of an hour; each slot is planned an hour ahead. */
const COMPLETION_EVERY_MS = 15 * 60_000;

/**
 * The scheduler's part, on scheduler processes only: every NOTIFY_PROMOTE_EVERY it asks for a
 * promote run, the day's cleanup and the quarter's completion reminders. Tick jobs have ids derived from the
 * clock (`promote:<tick>`), so however many schedulers run, each tick runs once, on a worker.
 */
@Injectable()
export class NotificationTicks implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationTicks.name);
  private readonly everyMs: number;
  private running: Promise<void> | null = null;

  constructor(
    private readonly queue: NotificationQueue,
    private readonly registry: SchedulerRegistry,
    config: HeraldConfig,
  ) {
    this.everyMs = config.notificationTiming.promoteEveryMs;
  }

  onApplicationBootstrap(): void {
    this.registry.addInterval(INTERVAL_NAME, setInterval(() => void this.tick(), this.everyMs));
    // Catch up at once after a start rather than one interval later.
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', INTERVAL_NAME)) this.registry.deleteInterval(INTERVAL_NAME);
    await this.running;
  }

  /** Adds this tick's jobs; skipped while the previous tick is still adding. */
  tick(): Promise<void> {
    this.running ??= this.addTickJobs().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async addTickJobs(): Promise<void> {
    try {
      await this.queue.tick(NotificationJob.Promote, this.everyMs);
      await this.queue.tick(NotificationJob.Cleanup, DAY);
      await this.queue.tick(NotificationJob.CompletionReminders, COMPLETION_EVERY_MS);
    } catch (error) {
      this.logger.warn(`Could not add maintenance jobs: ${briefError(error)}`);
    }
  }
}
