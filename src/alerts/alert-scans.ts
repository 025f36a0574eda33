import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../core/clock/clock';
import { HeraldConfig, ProcessRole } from '../core/config/herald-config';
import { rawQuery } from '../core/database/raw-query';
import { SCANNED_TYPES, ScannedType } from './alert-rules';
import { AlertsService, ScanResult } from './alerts.service';
import { AlertType } from './business-alert.entity';
import { briefError } from '../core/errors/graphql-error.filter';
import { IntervalTicks } from '../core/scheduling/interval-ticks';

/** How often schedulers look for a scan that is due; each scan keeps its own interval. */
const TICK_MS = 60_000;

/**
 * Runs each alert scan on its interval, on scheduler processes. A scan is due when its row in
 * `alert_scan_runs` is older than its interval; the conditional update that claims it lets one
 * scheduler win however many run at once, and the next interval starts from that claim.
 */
@Injectable()
export class AlertScans implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertScans.name);
  private readonly ticks = new IntervalTicks(TICK_MS, () => this.runDue(), (error) =>
    this.logger.warn(`Alert scans failed (${briefError(error)}); the next tick retries`),
  );

  constructor(
    private readonly em: EntityManager,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runs(ProcessRole.Scheduler)) this.ticks.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.ticks.stop();
  }

  /** Runs every scan that is due and that this process claims; the scans it ran. */
  async runDue(): Promise<ScanResult[]> {
    const results: ScanResult[] = [];
    for (const type of SCANNED_TYPES) {
      if (await this.claim(type, this.intervalOf(type))) results.push(await this.alerts.scan(type));
    }
    return results;
  }

  /** Runs one scan now, whatever its interval (admins' runAlertScan); its interval restarts. */
  async runNow(type: ScannedType): Promise<ScanResult> {
    await this.claim(type, 0);
    return this.alerts.scan(type);
  }

  /** True when this process claimed the scan: it had not run within `everyMs`. */
  private async claim(type: ScannedType, everyMs: number): Promise<boolean> {
    const now = this.clock.now();
    const claimed = await rawQuery<{ type: string }>(
      this.em.fork(),
      `insert into "alert_scan_runs" ("type", "last_run_at") values (?, ?)
       on conflict ("type") do update set "last_run_at" = excluded."last_run_at" where "alert_scan_runs"."last_run_at" <= ?
       returning "type"`,
      [type, now, new Date(now.getTime() - everyMs)],
    );
    return claimed.length > 0;
  }

  private intervalOf(type: ScannedType): number {
    const rules = this.config.alertRules;
    const intervals: Record<ScannedType, number> = {
      [AlertType.signature_pending]: rules.signaturePending.everyMs,
      [AlertType.payment_on_hold]: rules.paymentOnHold.everyMs,
      [AlertType.booking_overdue]: rules.bookingOverdue.everyMs,
      [AlertType.delivery_backlog]: rules.deliveryBacklog.everyMs,
      [AlertType.channel_failing]: rules.channelFailing.everyMs,
      [AlertType.relay_behind]: rules.relayBehind.everyMs,
      [AlertType.reminders_late]: rules.remindersLate.everyMs,
      [AlertType.channel_unreachable]: rules.channelUnreachable.everyMs,
    };
    return intervals[type];
  }
}
