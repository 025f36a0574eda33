import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { BookingEvent } from './booking-event.entity';
import { BookingImportService } from './booking-import.service';
import { StuckBookings } from './stuck-bookings.service';
import { Booking } from './booking.entity';
import { BookingEventPublisher } from './booking.events';
import { BookingsResolver } from './bookings.resolver';
import { BookingsService } from './bookings.service';
import { Payment } from './payment.entity';
import { PaymentsResolver } from './payments.resolver';
import { PaymentsService } from './payments.service';
import { SignatureRequest } from './signature-request.entity';

/** Bookings, their payments and signatures, and the booking event log. */
@Module({
  imports: [MikroOrmModule.forFeature([Booking, Payment, SignatureRequest, BookingEvent]), UsersModule],
  providers: [BookingsService, BookingImportService, StuckBookings, PaymentsService, BookingEventPublisher, BookingsResolver, PaymentsResolver],
  exports: [BookingsService, BookingImportService, StuckBookings],
})
export class BookingsModule {}
