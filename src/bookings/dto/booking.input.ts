import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsDate,
  IsEnum,
  IsInt,
  IsISO4217CurrencyCode,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsIanaTimezone } from '../../core/validation/validators';
import { BookingStatus, RATING_MAX, RATING_MIN } from '../booking.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const POSTAL_CODE = /^[A-Za-z0-9 -]{2,12}$/;
/** numeric(12,2): up to ten whole digits and two decimals, never negative. */
const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

@InputType()
export class CreateBookingInput {
  @Field(() => ID, { nullable: true, description: 'Required for ops and admins; customers book for themselves and may omit it' })
  @IsOptional()
  @IsUUID()
  customerId?: string | null;

  @Field(() => ID)
  @IsUUID()
  providerId: string;

  @Field()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  serviceName: string;

  @Field({ description: 'UTC instant, in the future' })
  @Type(() => Date)
  @IsDate()
  startsAt: Date;

  @Field({ description: 'UTC instant, after startsAt' })
  @Type(() => Date)
  @IsDate()
  endsAt: Date;

  @Field({ description: 'IANA time zone where the appointment takes place, e.g. Asia/Tashkent' })
  @IsIanaTimezone()
  timezone: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 500)
  address?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @Matches(POSTAL_CODE, { message: 'postalCode must be 2-12 letters, digits, spaces or dashes' })
  postalCode?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string | null;

  @Field({ description: 'Decimal string, at most two decimals, e.g. "150000" or "99.50"' })
  @IsString()
  @Matches(MONEY, { message: 'price must be a non-negative decimal with at most 10 digits before and 2 after the point' })
  price: string;

  @Field({ description: 'ISO 4217 code in capitals, e.g. UZS' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be three capital letters' })
  @IsISO4217CurrencyCode()
  currency: string;
}

@InputType()
export class RescheduleBookingInput {
  @Field({ description: 'UTC instant, in the future' })
  @Type(() => Date)
  @IsDate()
  startsAt: Date;

  @Field({ description: 'UTC instant, after startsAt' })
  @Type(() => Date)
  @IsDate()
  endsAt: Date;

  @Field(() => String, { nullable: true, description: 'Change the time zone too; omitted keeps the current one' })
  @IsOptional()
  @IsIanaTimezone()
  timezone?: string | null;

  @Field(() => Int, { nullable: true, description: 'Refuse with STALE_VERSION unless the booking is still at this version' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number | null;
}

@InputType()
export class CancelBookingInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(1000)
  reason?: string | null;

  @Field(() => Int, { nullable: true, description: 'Refuse with STALE_VERSION unless the booking is still at this version' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number | null;
}

@InputType({ description: "What completing a booking may record besides the status: the customer's rating, when given on the spot" })
export class CompleteBookingInput {
  @Field(() => Int, { nullable: true, description: `${RATING_MIN} (poor) to ${RATING_MAX} (excellent)` })
  @ValidateIf((input: CompleteBookingInput) => input.rating != null || input.ratingComment != null)
  @IsInt({ message: 'rating must be an integer from 1 to 5 (and is required with ratingComment)' })
  @Min(RATING_MIN)
  @Max(RATING_MAX)
  rating?: number | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(2000)
  ratingComment?: string | null;
}

@ArgsType()
export class RateBookingArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => Int, { description: `${RATING_MIN} (poor) to ${RATING_MAX} (excellent)` })
  @IsInt()
  @Min(RATING_MIN)
  @Max(RATING_MAX)
  rating: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(2000)
  comment?: string | null;
}

@InputType()
export class BookingsFilter {
  @Field(() => [BookingStatus], { nullable: true, description: 'Any of these statuses' })
  @IsOptional()
  @IsEnum(BookingStatus, { each: true })
  @ArrayUnique()
  @ArrayMaxSize(5)
  status?: BookingStatus[] | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  providerId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  customerId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Bookings starting at or after this instant' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  startsFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Bookings starting before this instant' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  startsTo?: Date | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @Matches(POSTAL_CODE, { message: 'postalCode must be 2-12 letters, digits, spaces or dashes' })
  postalCode?: string | null;
}
