import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertMetricsModule } from './alerts/alert-metrics';
import { AlertsModule } from './alerts/alerts.module';
import { OpsPageModule } from './alerts/ops-page/ops-page.controller';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuthModule } from './auth/auth.module';
import { BookingsModule } from './bookings/bookings.module';
import { ChannelsModule } from './channels/channels.module';
import { CoreModule } from './core/core.module';
import { HeraldConfig, ProcessRole } from './core/config/herald-config';
import { GraphQLModule } from './core/graphql/graphql.module';
import { HealthModule } from './core/health/health.module';
import { IdempotencyModule } from './core/idempotency/idempotency.module';
import { MetricsModule } from './core/metrics/metrics.module';
import { QueueDashboardModule } from './core/queue-dashboard/queue-dashboard.module';
import { ThrottlingModule } from './core/throttling/throttling.module';
import { NotificationMetricsModule } from './notifications/notification-metrics';
import { NotificationsModule } from './notifications/notifications.module';
import { PreferencesModule } from './preferences/preferences.module';
import { TemplatesModule } from './templates/templates.module';
import { UsersModule } from './users/users.module';

/** Herald as one process runs it: the API, the workers, the schedulers, or all of them. */
@Module({})
export class AppModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        // Before AuthModule: global guards run in registration order, and callers the auth guard refuses must be counted too.
        ...(config.runs(ProcessRole.Api) ? [ThrottlingModule] : []),
        AuthModule,
        ...(config.runs(ProcessRole.Api) ? [GraphQLModule, IdempotencyModule, HealthModule, MetricsModule.forRoot(), NotificationMetricsModule, AlertMetricsModule, QueueDashboardModule, OpsPageModule] : []),
        ...(config.runs(ProcessRole.Scheduler) ? [ScheduleModule.forRoot()] : []),
        UsersModule,
        BookingsModule,
        NotificationsModule.forConfig(config),
        ChannelsModule.forConfig(config),
        PreferencesModule,
        TemplatesModule,
        AlertsModule,
        AnalyticsModule,
      ],
    };
  }
}
