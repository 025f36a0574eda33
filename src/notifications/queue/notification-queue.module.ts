import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { HERALD_QUEUES, NotificationQueue } from './notification-queue';

@Module({
  imports: [BullModule.registerQueue(...HERALD_QUEUES.map((name) => ({ name })))],
  providers: [NotificationQueue],
  exports: [NotificationQueue, BullModule],
})
export class NotificationQueueModule {}
