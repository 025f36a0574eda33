import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Metrics } from '../core/metrics/metrics';
import { AlertsModule } from './alerts.module';
import { AlertsService } from './alerts.service';

/** `herald_open_alerts{severity}` for /metrics, read at scrape time. */
@Injectable()
export class AlertMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly alerts: AlertsService,
  ) {}

  onModuleInit(): void {
    this.metrics.scrapeGauge({
      name: 'herald_open_alerts',
      help: 'Business alerts open (active, acknowledged or silenced), by severity',
      labelNames: ['severity'],
      read: async () => Object.entries(await this.alerts.openBySeverity()).map(([severity, value]) => ({ labels: { severity }, value })),
    });
  }
}

/** The alert figures of /metrics, for API processes alongside MetricsModule. */
@Module({ imports: [AlertsModule], providers: [AlertMetrics] })
export class AlertMetricsModule {}
