import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { HeraldConfig } from '../core/config/herald-config';
import { DeliveryModule } from './delivery/delivery.module';
import { Notification } from './notification.entity';
import { PlanningModule } from './planning/planning.module';
import { NotificationQueueModule } from './queue/notification-queue.module';

/** Plans, queues and delivers every booking message; workers and schedulers join by process role. */
@Module({})
export class NotificationsModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [MikroOrmModule.forFeature([Notification]), NotificationQueueModule, PlanningModule, DeliveryModule.forConfig(config)],
    };
  }
}
