import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { BookingEvent } from '../../bookings/booking-event.entity';
import { Booking } from '../../bookings/booking.entity';
import { User } from '../../users/user.entity';
import { Notification } from '../notification.entity';
import { NotificationQueueModule } from '../queue/notification-queue.module';
import { BookingEventsListener } from './booking-events.listener';
import { NotificationPlanner } from './notification-planner.service';

/** Decides which notifications a booking calls for and when; rows in Postgres, timing in the queue. */
@Module({
  imports: [MikroOrmModule.forFeature([Notification, Booking, BookingEvent, User]), NotificationQueueModule],
  providers: [NotificationPlanner, BookingEventsListener],
  exports: [NotificationPlanner],
})
export class PlanningModule {}
