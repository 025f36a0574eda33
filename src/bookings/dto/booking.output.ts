import { Field, ObjectType } from '@nestjs/graphql';
import { Paginated } from '../../core/pagination/pagination';
import { BookingEventType } from '../booking-event.entity';
import { Booking } from '../booking.entity';

@ObjectType()
export class BookingConnection extends Paginated(Booking) {}

@ObjectType({ description: 'A committed change to a booking, with the booking as it is now' })
export class BookingChange {
  @Field(() => BookingEventType)
  type: BookingEventType;

  @Field(() => Booking)
  booking: Booking;
}
