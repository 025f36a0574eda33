import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DELIVERY_QUEUES, NOTIFICATIONS_QUEUE, NotificationQueue } from './notification-queue';

@Module({
  imports: [BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE }, ...DELIVERY_QUEUES.map((name) => ({ name })))],
  providers: [NotificationQueue],
  exports: [NotificationQueue, BullModule],
})
export class NotificationQueueModule {}
