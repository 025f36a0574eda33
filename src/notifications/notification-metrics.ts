import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Clock } from '../core/clock/clock';
import { HeraldConfig } from '../core/config/herald-config';
import { rawQuery } from '../core/database/raw-query';
import { Metrics, sharedWithinScrape } from '../core/metrics/metrics';
import { NotificationChannel, NotificationStatus } from './notification.entity';
import { EngineHealth } from './health/engine-health.service';
import { EngineHealthModule } from './health/engine-health.module';
import { NotificationQueueModule } from './queue/notification-queue.module';
import { NotificationQueue } from './queue/notification-queue';

const CHANNELS = Object.values(NotificationChannel);
const STATUSES = Object.values(NotificationStatus);
/** Reminder lateness is published as these quantiles of the window's sends, and their maximum. */
const LATENESS_QUANTILES = [0.5, 0.9, 0.99];

/**
 * Notification figures for /metrics, each read from Postgres or Redis at scrape time with one
 * statement: workers change them, while only API processes answer scrapes.
 */
@Injectable()
export class NotificationMetrics implements OnModuleInit {
  /** Two gauges each, one statement each per scrape. */
  private readonly lateness = sharedWithinScrape(() => this.latenessRows());
  private readonly relayLag = sharedWithinScrape(() => this.health.relayLag());

  constructor(
    private readonly metrics: Metrics,
    private readonly em: EntityManager,
    private readonly queue: NotificationQueue,
    private readonly health: EngineHealth,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.scrapeGauge({
      name: 'herald_notifications',
      help: 'Notification rows by channel and status',
      labelNames: ['channel', 'status'],
      read: () => this.countsByChannelAndStatus(),
    });
    this.metrics.scrapeGauge({
      name: 'herald_reminder_lateness_seconds',
      help: `sent_at - due_at of reminders sent within the last METRICS_LATENESS_WINDOW (${this.config.METRICS_LATENESS_WINDOW}), by channel: quantiles 0.5, 0.9, 0.99 and 1 (the maximum)`,
      labelNames: ['channel', 'quantile'],
      read: () => this.reminderLateness(),
    });
    this.metrics.scrapeGauge({
      name: 'herald_reminders_sent_in_window',
      help: 'Reminders sent within the last METRICS_LATENESS_WINDOW, by channel (the sample behind herald_reminder_lateness_seconds)',
      labelNames: ['channel'],
      read: async () => (await this.lateness()).map((row) => ({ labels: { channel: row.channel }, value: Number(row.sent) })),
    });
    this.metrics.scrapeGauge({
      name: 'herald_notification_oldest_due_age_seconds',
      help: 'Age of the oldest notification due but not sent yet (planned, queued or sending), by channel; 0 when none',
      labelNames: ['channel'],
      read: () => this.oldestDueAges(),
    });
    this.metrics.scrapeGauge({
      name: 'herald_queue_depth',
      help: 'BullMQ jobs waiting, active or delayed, by queue',
      labelNames: ['queue'],
      read: async () => (await this.queue.depths()).map(({ queue, depth }) => ({ labels: { queue }, value: depth })),
    });
    this.metrics.scrapeGauge({
      name: 'herald_relay_lag_events',
      help: 'Booking events committed past the notification relay position',
      labelNames: [],
      read: async () => [{ labels: {}, value: (await this.relayLag()).events }],
    });
    this.metrics.scrapeGauge({
      name: 'herald_relay_lag_oldest_age_seconds',
      help: 'Age of the oldest booking event past the notification relay position; 0 when none',
      labelNames: [],
      read: async () => [{ labels: {}, value: this.ageSeconds((await this.relayLag()).oldestAt) }],
    });
  }

  /** Every channel × status pair, zeros included, so a series never vanishes when its count drops to none. */
  private async countsByChannelAndStatus() {
    const rows = await rawQuery<{ channel: string; status: string; count: string }>(
      this.em,
      `select "channel", "status", count(*) as "count" from "notifications" group by "channel", "status"`,
      [],
    );
    const counts = new Map(rows.map((row) => [`${row.channel}/${row.status}`, Number(row.count)]));
    return CHANNELS.flatMap((channel) => STATUSES.map((status) => ({ labels: { channel, status }, value: counts.get(`${channel}/${status}`) ?? 0 })));
  }

  private async reminderLateness() {
    return (await this.lateness()).flatMap((row) =>
      [...LATENESS_QUANTILES.map((quantile, index) => ({ quantile, seconds: row.quantiles[index] })), { quantile: 1, seconds: row.max }].map(
        ({ quantile, seconds }) => ({ labels: { channel: row.channel, quantile: String(quantile) }, value: Number(seconds) }),
      ),
    );
  }

  /** Per channel: how many reminders were sent within the window, and their lateness quantiles and maximum. */
  private latenessRows() {
    const now = this.clock.now();
    return this.health.reminderLateness(new Date(now.getTime() - this.config.latenessWindowMs), now, LATENESS_QUANTILES);
  }


  private async oldestDueAges() {
    const oldest = new Map((await this.health.backlogs(this.clock.now())).map((backlog) => [backlog.channel, backlog.oldestDueAt]));
    return CHANNELS.map((channel) => ({ labels: { channel }, value: this.ageSeconds(oldest.get(channel) ?? null) }));
  }


  private ageSeconds(since: Date | null): number {
    return since ? Math.max(0, (this.clock.now().getTime() - since.getTime()) / 1000) : 0;
  }
}

/** The notification figures of /metrics, for API processes alongside MetricsModule. */
@Module({ imports: [NotificationQueueModule, EngineHealthModule], providers: [NotificationMetrics] })
export class NotificationMetricsModule {}
