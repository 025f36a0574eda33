import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { HERALD_QUEUES } from '../../notifications/queue/notification-queue';
import { NotificationQueueModule } from '../../notifications/queue/notification-queue.module';
import { QUEUE_DASHBOARD_ROUTE, QueueDashboardAuth } from './queue-dashboard.auth';

/** The bull-board dashboard of every Herald queue, for admins, on API processes. */
@Module({
  imports: [
    NotificationQueueModule,
    BullBoardModule.forRoot({ route: QUEUE_DASHBOARD_ROUTE, adapter: ExpressAdapter, middleware: QueueDashboardAuth }),
    BullBoardModule.forFeature(...HERALD_QUEUES.map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
})
export class QueueDashboardModule {}
