import { Check, Collection, Entity, Enum, Index, ManyToOne, OneToMany, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BaseEntity } from '../core/database/base.entity';
import { User } from '../users/user.entity';
import { BookingError } from './bookings.error';
import { Payment } from './payment.entity';
import { SignatureRequest } from './signature-request.entity';

/**
 * GraphQL names enum values after their keys, so the keys are the stored values: clients, the
 * database and the code spell a status the same way (`no_show` everywhere). Same for the other
 * enums of this module.
 */
export enum BookingStatus {
  pending = 'pending',
  confirmed = 'confirmed',
  cancelled = 'cancelled',
  completed = 'completed',
  no_show = 'no_show',
}
registerEnumType(BookingStatus, { name: 'BookingStatus' });

/** Statuses that hold the provider's time; the database refuses two of them overlapping. */
export const ACTIVE_STATUSES: readonly BookingStatus[] = [BookingStatus.pending, BookingStatus.confirmed];

/** A decimal string with exactly two places, as numeric(12,2) stores it: "150000" → "150000.00". */
export function formatMoney(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return `${BigInt(whole).toString()}.${fraction.padEnd(2, '0')}`;
}

/** Refuses a time slot that starts in the past or does not end after it starts. */
export function assertSchedulable(startsAt: Date, endsAt: Date, now: Date): void {
  if (endsAt.getTime() <= startsAt.getTime()) throw BookingError.endsBeforeStart(startsAt, endsAt);
  if (startsAt.getTime() <= now.getTime()) throw BookingError.startsInPast(startsAt);
}

type OptionalBookingProps =
  | 'status'
  | 'version'
  | 'address'
  | 'postalCode'
  | 'note'
  | 'cancellationReason'
  | 'cancelledBy'
  | 'cancelledAt'
  | 'rating'
  | 'ratingComment'
  | 'ratedAt';

/** The customer's satisfaction with a completed booking, 1 (poor) to 5 (excellent). */
export const RATING_MIN = 1;
export const RATING_MAX = 5;

/**
 * A customer's appointment with a provider. Times are UTC instants; `timezone` says where the
 * appointment happens, for rendering. The state machine lives here so it is the same everywhere.
 */
@ObjectType()
@Entity({ tableName: 'bookings' })
@Index({ properties: ['provider', 'startsAt'] })
@Index({ properties: ['customer', 'startsAt'] })
@Index({ properties: ['status', 'startsAt'] })
@Check({ name: 'bookings_ends_after_starts', expression: 'ends_at > starts_at' })
@Check({ name: 'bookings_rating_range', expression: 'rating >= 1 and rating <= 5' })
// Declared so the schema generator knows it (it compares expression indexes by name); created by the migration.
@Index({
  name: 'bookings_provider_no_overlap',
  expression:
    `alter table "bookings" add constraint "bookings_provider_no_overlap" exclude using gist ` +
    `("provider_id" with =, tstzrange("starts_at", "ends_at", '[)') with &&) where ("status" in ('pending', 'confirmed'))`,
})
export class Booking extends BaseEntity<OptionalBookingProps> {
  @Field(() => ID)
  declare id: string;

  /** Exposed through BookingsResolver, which makes sure it is loaded. */
  @ManyToOne(() => User)
  customer: User;

  /** Exposed through BookingsResolver, which makes sure it is loaded. */
  @ManyToOne(() => User)
  provider: User;

  @Field()
  @Property({ type: 'text' })
  serviceName: string;

  @Field({ description: 'UTC instant' })
  @Property({ type: 'timestamptz' })
  startsAt: Date;

  @Field({ description: 'UTC instant, after startsAt' })
  @Property({ type: 'timestamptz' })
  endsAt: Date;

  @Field({ description: 'IANA time zone where the appointment takes place, e.g. Asia/Tashkent' })
  @Property({ type: 'text' })
  timezone: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  address: string | null = null;

  @Field(() => String, { nullable: true })
  @Index()
  @Property({ type: 'text', nullable: true })
  postalCode: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  note: string | null = null;

  @Field(() => String, { description: 'Decimal string with two places, e.g. "150000.00"' })
  @Property({ type: 'decimal', precision: 12, scale: 2 })
  price: string;

  @Field({ description: 'ISO 4217 code, e.g. UZS' })
  @Property({ type: 'string', length: 3 })
  currency: string;

  @Field(() => BookingStatus)
  @Enum({ items: () => BookingStatus })
  status: BookingStatus = BookingStatus.pending;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  cancellationReason: string | null = null;

  /** Exposed through BookingsResolver, which makes sure it is loaded. */
  @ManyToOne(() => User, { nullable: true })
  cancelledBy: User | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  cancelledAt: Date | null = null;

  @Field(() => Int, { nullable: true, description: `The customer's satisfaction, ${RATING_MIN} to ${RATING_MAX}; given once the booking is completed` })
  @Property({ type: 'smallint', nullable: true })
  rating: number | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  ratingComment: string | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  ratedAt: Date | null = null;

  @Field(() => Int, { description: 'Increases with every change; pass it back as expectedVersion to refuse stale edits' })
  @Property({ type: 'integer', version: true })
  version: number = 1;

  @OneToMany(() => Payment, (payment) => payment.booking)
  payments = new Collection<Payment>(this);

  @OneToMany(() => SignatureRequest, (request) => request.booking)
  signatureRequests = new Collection<SignatureRequest>(this);

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;

  confirm(): void {
    this.moveTo(BookingStatus.confirmed, 'confirmed', [BookingStatus.pending]);
  }

  /** Moves the slot; returns where it was, for the event log. */
  /** Moves the booking; null when it already has that slot (and zone): nothing changes, no event is due. */
  reschedule(startsAt: Date, endsAt: Date, timezone: string | undefined, now: Date): { previousStartsAt: string; previousEndsAt: string; previousTimezone: string } | null {
    this.assertStatus('rescheduled', ACTIVE_STATUSES);
    assertSchedulable(startsAt, endsAt, now);
    const sameZone = timezone === undefined || timezone === this.timezone;
    if (sameZone && startsAt.getTime() === this.startsAt.getTime() && endsAt.getTime() === this.endsAt.getTime()) return null;
    const previous = { previousStartsAt: this.startsAt.toISOString(), previousEndsAt: this.endsAt.toISOString(), previousTimezone: this.timezone };
    this.startsAt = startsAt;
    this.endsAt = endsAt;
    if (timezone) this.timezone = timezone;
    return previous;
  }

  cancel(reason: string | null, by: User | null, now: Date): void {
    this.moveTo(BookingStatus.cancelled, 'cancelled', ACTIVE_STATUSES);
    this.cancellationReason = reason;
    this.cancelledBy = by;
    this.cancelledAt = now;
  }

  complete(now: Date): void {
    this.assertStatus('completed', [BookingStatus.confirmed]);
    this.assertStarted(now);
    this.status = BookingStatus.completed;
  }

  /** Records the customer's rating of a completed booking; a booking is rated once. */
  rate(rating: number, comment: string | null, now: Date): void {
    this.assertStatus('rated', [BookingStatus.completed]);
    if (this.rating !== null) throw BookingError.alreadyRated(this.id);
    this.rating = rating;
    this.ratingComment = comment;
    this.ratedAt = now;
  }

  markNoShow(now: Date): void {
    this.assertStatus('marked as no-show', [BookingStatus.confirmed]);
    this.assertStarted(now);
    this.status = BookingStatus.no_show;
  }

  private moveTo(next: BookingStatus, attempted: string, from: readonly BookingStatus[]): void {
    this.assertStatus(attempted, from);
    this.status = next;
  }

  private assertStatus(attempted: string, allowed: readonly BookingStatus[]): void {
    if (!allowed.includes(this.status)) throw BookingError.illegalTransition('Booking', this.id, this.status, attempted);
  }

  private assertStarted(now: Date): void {
    if (now.getTime() < this.startsAt.getTime()) throw BookingError.notStarted(this.id, this.startsAt);
  }
}
