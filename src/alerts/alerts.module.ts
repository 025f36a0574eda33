import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { EngineHealthModule } from '../notifications/health/engine-health.module';
import { PlanningModule } from '../notifications/planning/planning.module';
import { AlertEvent } from './alert-event.entity';
import { AlertScans } from './alert-scans';
import { AlertsResolver } from './alerts.resolver';
import { AlertsService } from './alerts.service';
import { BusinessAlert } from './business-alert.entity';

/** Business alerts for ops, finance and admins: scans on schedulers, the lifecycle for staff, notices through the engine. */
@Module({
  imports: [MikroOrmModule.forFeature([BusinessAlert, AlertEvent]), BookingsModule, EngineHealthModule, PlanningModule],
  providers: [AlertsService, AlertScans, AlertsResolver],
  exports: [AlertsService],
})
export class AlertsModule {}
