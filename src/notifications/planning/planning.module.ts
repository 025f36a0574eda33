import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { BookingEvent } from '../../bookings/booking-event.entity';
import { Booking } from '../../bookings/booking.entity';
import { PreferencesStoreModule } from '../../preferences/preferences-store.module';
import { User } from '../../users/user.entity';
import { Notification } from '../notification.entity';
import { BookingEventRelay } from './booking-event-relay';
import { NotificationPlanner } from './notification-planner.service';

/** Decides which notifications a booking calls for and when, from the booking event log; rows in Postgres, which is also the due-queue. */
@Module({
  imports: [MikroOrmModule.forFeature([Notification, Booking, BookingEvent, User]), PreferencesStoreModule],
  providers: [NotificationPlanner, BookingEventRelay],
  exports: [NotificationPlanner, BookingEventRelay],
})
export class PlanningModule {}
