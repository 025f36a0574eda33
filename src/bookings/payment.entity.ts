import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BaseEntity } from '../core/database/base.entity';
import type { Booking } from './booking.entity';
import { BookingError } from './bookings.error';

export enum PaymentStatus {
  pending = 'pending',
  held = 'held',
  captured = 'captured',
  refunded = 'refunded',
}
registerEnumType(PaymentStatus, { name: 'PaymentStatus' });

/** Money for a booking: created pending with the booking's price, then held, captured, refunded. */
@ObjectType()
@Entity({ tableName: 'payments' })
@Index({ properties: ['status', 'heldSince'] })
export class Payment extends BaseEntity<'bookingId' | 'status' | 'heldSince' | 'capturedAt' | 'refundedAt'> {
  @Field(() => ID)
  declare id: string;

  @Index()
  @ManyToOne('Booking')
  booking: Booking;

  @Field(() => ID)
  get bookingId(): string {
    return this.booking.id;
  }

  @Field(() => String, { description: 'Decimal string with two places, e.g. "150000.00"' })
  @Property({ type: 'decimal', precision: 12, scale: 2 })
  amount: string;

  @Field({ description: 'ISO 4217 code, e.g. UZS' })
  @Property({ type: 'string', length: 3 })
  currency: string;

  @Field(() => PaymentStatus)
  @Enum({ items: () => PaymentStatus })
  status: PaymentStatus = PaymentStatus.pending;

  @Field(() => Date, { nullable: true, description: 'When the money was put on hold; long holds are worth an alert' })
  @Property({ type: 'timestamptz', nullable: true })
  heldSince: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  capturedAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  refundedAt: Date | null = null;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;

  hold(now: Date): void {
    this.assertStatus('held', [PaymentStatus.pending]);
    this.status = PaymentStatus.held;
    this.heldSince = now;
  }

  capture(now: Date): void {
    this.assertStatus('captured', [PaymentStatus.pending, PaymentStatus.held]);
    this.status = PaymentStatus.captured;
    this.capturedAt = now;
  }

  refund(now: Date): void {
    this.assertStatus('refunded', [PaymentStatus.captured]);
    this.status = PaymentStatus.refunded;
    this.refundedAt = now;
  }

  private assertStatus(attempted: string, allowed: PaymentStatus[]): void {
    if (!allowed.includes(this.status)) throw BookingError.illegalTransition('Payment', this.id, this.status, attempted);
  }
}
