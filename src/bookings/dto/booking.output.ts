import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
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

@ObjectType({ description: 'One input field that failed validation' })
export class InputFieldProblem {
  @Field()
  field: string;

  @Field(() => [String])
  problems: string[];
}

@ObjectType({ description: 'Why an imported item was refused: the error createBooking would have given for it' })
export class ImportItemError {
  @Field({ description: 'BAD_USER_INPUT, NOT_FOUND, CONFLICT or FORBIDDEN, as extensions.code would say' })
  code: string;

  @Field({ description: 'The module reason, e.g. INVALID_INPUT, USER_NOT_FOUND, BOOKING_OVERLAPS' })
  reason: string;

  @Field()
  message: string;

  @Field(() => [InputFieldProblem], { nullable: true, description: 'The input fields at fault, when the error names them (always for INVALID_INPUT)' })
  fields: InputFieldProblem[] | null;
}

@ObjectType({ description: 'The outcome of one imported item: a booking id, or an error' })
export class ImportBookingItem {
  @Field(() => Int, { description: 'Position of the item in the input list, from 0' })
  index: number;

  @Field(() => ID, { nullable: true })
  bookingId: string | null;

  @Field(() => ImportItemError, { nullable: true })
  error: ImportItemError | null;
}

@ObjectType()
export class ImportBookingsResult {
  @Field(() => Int)
  created: number;

  @Field(() => Int)
  failed: number;

  @Field(() => [ImportBookingItem], { description: 'One per input item, in input order' })
  items: ImportBookingItem[];
}
