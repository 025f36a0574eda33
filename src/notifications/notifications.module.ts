import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { HeraldConfig } from '../core/config/herald-config';
import { DeliveryModule } from './delivery/delivery.module';
import { Notification } from './notification.entity';
import { NotificationsResolver } from './notifications.resolver';
import { NotificationsService } from './notifications.service';
import { PlanningModule } from './planning/planning.module';
import { NotificationQueueModule } from './queue/notification-queue.module';
import { TemplatesModule } from '../templates/templates.module';

/** Plans, queues and delivers every booking message; workers and schedulers join by process role. */
@Module({})
export class NotificationsModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [MikroOrmModule.forFeature([Notification]), BookingsModule, NotificationQueueModule, PlanningModule, DeliveryModule.forConfig(config), TemplatesModule],
      providers: [NotificationsService, NotificationsResolver],
      exports: [NotificationsService, PlanningModule, DeliveryModule],
    };
  }
}
