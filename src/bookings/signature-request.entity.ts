import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BaseEntity } from '../core/database/base.entity';
import type { Booking } from './booking.entity';
import { BookingError } from './bookings.error';

export enum SignatureStatus {
  pending = 'pending',
  signed = 'signed',
}
registerEnumType(SignatureStatus, { name: 'SignatureStatus' });

/** A document the customer must sign for a booking. */
@ObjectType()
@Entity({ tableName: 'signature_requests' })
@Index({ properties: ['status', 'requestedAt'] })
export class SignatureRequest extends BaseEntity<'bookingId' | 'status' | 'signedAt'> {
  @Field(() => ID)
  declare id: string;

  @Index()
  @ManyToOne('Booking')
  booking: Booking;

  @Field(() => ID)
  get bookingId(): string {
    return this.booking.id;
  }

  @Field(() => SignatureStatus)
  @Enum({ items: () => SignatureStatus })
  status: SignatureStatus = SignatureStatus.pending;

  @Field()
  @Property({ type: 'timestamptz' })
  requestedAt: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  signedAt: Date | null = null;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;

  sign(now: Date): void {
    if (this.status !== SignatureStatus.pending) throw BookingError.illegalTransition('SignatureRequest', this.id, this.status, 'signed');
    this.status = SignatureStatus.signed;
    this.signedAt = now;
  }
}
