import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../core/clock/clock';
import { HeraldConfig, ProcessRole } from '../core/config/herald-config';
import { rawQuery } from '../core/database/raw-query';
import { localDateIn } from '../core/time/zones';
import { addDays } from './local-date';
import { DayComputed, PostalCodeAnalytics } from './postal-code-analytics.service';
import { briefError } from '../core/errors/graphql-error.filter';
import { IntervalTicks } from '../core/scheduling/interval-ticks';

/** How often schedulers look whether the daily run is due. */
const TICK_MS = 60_000;
const JOB = 'postal_code_daily';

/**
 * Computes the previous day's postal-code analytics once a day, at ANALYTICS_DAILY_AT in
 * ANALYTICS_TIMEZONE, on scheduler processes. The day is claimed in `analytics_runs` by a
 * conditional upsert in the same transaction as the computation: one scheduler wins however many
 * run, the others wait for its commit and find the day taken; a run that fails rolls its claim
 * back, so the next tick tries again. A scheduler that was down at the hour catches up on start.
 */
@Injectable()
export class DailyAnalytics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DailyAnalytics.name);
  private readonly minuteFormat: Intl.DateTimeFormat;
  private readonly ticks = new IntervalTicks(
    TICK_MS,
    async () => {
      const done = await this.runDue();
      if (done) this.logger.log(`Postal-code analytics for ${done.day}: ${done.postalCodes} postal code(s)`);
    },
    (error) => this.logger.warn(`Postal-code analytics failed (${briefError(error)}); the next tick retries`),
  );

  constructor(
    private readonly em: EntityManager,
    private readonly analytics: PostalCodeAnalytics,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
  ) {
    this.minuteFormat = new Intl.DateTimeFormat('en-US', { timeZone: config.analyticsSchedule.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }

  onApplicationBootstrap(): void {
    if (this.config.runs(ProcessRole.Scheduler)) this.ticks.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.ticks.stop();
  }

  /** Computes the day that is due, when this process claims it; null when it was already done. */
  runDue(): Promise<DayComputed | null> {
    const day = this.dueDay(this.clock.now());
    return this.em.fork().transactional(async (tx) => ((await this.claim(tx, day)) ? this.analytics.computeDay(day, tx) : null));
  }

  /** The latest day whose run time has come: yesterday once today's ANALYTICS_DAILY_AT has passed, else the day before. */
  dueDay(now: Date): string {
    const { minuteOfDay, timezone } = this.config.analyticsSchedule;
    const today = localDateIn(now, timezone);
    const parts = Object.fromEntries(this.minuteFormat.formatToParts(now).map((part) => [part.type, part.value]));
    const minutesNow = Number(parts.hour) * 60 + Number(parts.minute);
    return addDays(today, minutesNow >= minuteOfDay ? -1 : -2);
  }

  /** True when this transaction claimed `day`: no run has computed it or a later day. */
  private async claim(tx: EntityManager, day: string): Promise<boolean> {
    const claimed = await rawQuery<{ job: string }>(
      tx,
      `insert into "analytics_runs" ("job", "last_day", "ran_at") values (?, ?::date, ?)
       on conflict ("job") do update set "last_day" = excluded."last_day", "ran_at" = excluded."ran_at" where "analytics_runs"."last_day" < excluded."last_day"
       returning "job"`,
      [JOB, day, this.clock.now()],
    );
    return claimed.length > 0;
  }
}
