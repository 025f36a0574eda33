import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Paginated } from '../../core/pagination/pagination';
import { LocalDateScalar } from '../local-date';
import { PostalCodeDaily } from '../postal-code-daily.entity';

@ObjectType()
export class PostalCodeDailyConnection extends Paginated(PostalCodeDaily) {}

@ObjectType({ description: 'Captured payments of one currency for the day' })
export class CurrencyRevenue {
  @Field({ description: 'ISO 4217 code' })
  currency: string;

  @Field({ description: 'Sum of captured payments, a decimal string with two places' })
  total: string;

  @Field(() => Int, { description: 'Bookings with a captured payment in this currency' })
  bookings: number;

  @Field({ description: 'total / bookings, two places' })
  averageBookingValue: string;
}

@ObjectType({ description: 'What computing a day did' })
export class PostalCodeAnalyticsRun {
  @Field(() => LocalDateScalar)
  day: string;

  @Field(() => Int, { description: 'Postal codes with bookings that day, each now one row' })
  postalCodes: number;
}
