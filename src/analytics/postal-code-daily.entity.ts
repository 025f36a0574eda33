import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { LocalDateScalar } from './local-date';

/** Captured money of one currency: its total, and the average per booking that brought it. */
export interface CurrencyRevenueFigures {
  total: string;
  bookings: number;
  averageBookingValue: string;
}

/**
 * One postal code on one date: what happened to the bookings that start on that date in their
 * own time zone, as computed by PostalCodeAnalytics. Rows exist for postal codes with bookings
 * that day; a rerun replaces the day's rows.
 */
@ObjectType({ description: 'Figures of one postal code on one date (the bookings starting that day, in their own time zone)' })
@Entity({ tableName: 'postal_code_daily' })
@Index({ properties: ['day'] })
export class PostalCodeDaily {
  @Field()
  @PrimaryKey({ type: 'text' })
  postalCode: string;

  @Field(() => LocalDateScalar)
  @PrimaryKey({ type: 'date' })
  day: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  bookingsTotal: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  pending: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  confirmed: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  completed: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  cancelled: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  noShow: number;

  @Field(() => Int, { description: 'Providers who serve this postal code (User.postalCodes), when computed' })
  @Property({ type: 'integer' })
  providersAvailable: number;

  @Field(() => Int, { description: 'Providers with a booking here that day that was not cancelled' })
  @Property({ type: 'integer' })
  providersActive: number;

  @Field(() => Int, { nullable: true, description: 'Average seconds from a booking being created to its confirmation (confirmed bookings)' })
  @Property({ type: 'integer', nullable: true })
  avgResponseSeconds: number | null;

  @Field(() => Int, { nullable: true, description: 'Average seconds from a booking\'s start to its completion (completed bookings)' })
  @Property({ type: 'integer', nullable: true })
  avgCompletionSeconds: number | null;

  @Field(() => Int, { description: 'Completed bookings with a rating' })
  @Property({ type: 'integer' })
  ratingsCount: number;

  @Property({ type: 'integer' })
  ratingsSum: number;

  /** By currency; exposed through AnalyticsResolver, for finance and admins only. */
  @Property({ type: 'jsonb' })
  revenue: Record<string, CurrencyRevenueFigures>;

  @Field({ description: 'When these figures were computed' })
  @Property({ type: 'timestamptz' })
  computedAt: Date;

  @Field(() => Float, { nullable: true, description: 'Average rating, 1 to 5, two decimals; null without ratings' })
  get ratingAverage(): number | null {
    return this.ratingsCount ? Math.round((this.ratingsSum / this.ratingsCount) * 100) / 100 : null;
  }
}
