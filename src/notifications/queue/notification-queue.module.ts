import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { NOTIFICATIONS_QUEUE, NotificationQueue } from './notification-queue';

@Module({
  imports: [BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE })],
  providers: [NotificationQueue],
  exports: [NotificationQueue, BullModule],
})
export class NotificationQueueModule {}
