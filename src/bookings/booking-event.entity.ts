import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BaseEntity } from '../core/database/base.entity';
import { User } from '../users/user.entity';
import type { Booking } from './booking.entity';

export enum BookingEventType {
  created = 'created',
  confirmed = 'confirmed',
  rescheduled = 'rescheduled',
  cancelled = 'cancelled',
  completed = 'completed',
  no_show = 'no_show',
}
registerEnumType(BookingEventType, { name: 'BookingEventType' });

/** What a booking event carries besides its type, by type. */
export interface BookingEventData {
  previousStartsAt?: string;
  previousEndsAt?: string;
  previousTimezone?: string;
  reason?: string | null;
}

/**
 * The persisted log of what happened to a booking, written in the same transaction as the change.
 * Consumers (notifications, analytics) read these rows; the in-process event only says "look".
 */
@ObjectType()
@Entity({ tableName: 'booking_events' })
@Index({ properties: ['booking', 'occurredAt'] })
export class BookingEvent extends BaseEntity<'bookingId' | 'actor' | 'actorId' | 'data' | 'previousStartsAt' | 'previousEndsAt' | 'reason'> {
  @Field(() => ID)
  declare id: string;

  @ManyToOne('Booking')
  booking: Booking;

  @Field(() => ID)
  get bookingId(): string {
    return this.booking.id;
  }

  @Field(() => BookingEventType)
  @Enum({ items: () => BookingEventType })
  type: BookingEventType;

  @Field(() => Int, { description: 'The booking version this event produced' })
  @Property({ type: 'integer' })
  bookingVersion: number;

  @ManyToOne(() => User, { nullable: true })
  actor: User | null = null;

  @Field(() => ID, { nullable: true, description: 'Who made the change; null for the system' })
  get actorId(): string | null {
    return this.actor?.id ?? null;
  }

  @Field()
  @Property({ type: 'timestamptz' })
  occurredAt: Date;

  @Property({ type: 'json' })
  data: BookingEventData = {};

  @Field(() => Date, { nullable: true, description: 'For rescheduled: where the booking started before' })
  get previousStartsAt(): Date | null {
    return this.data.previousStartsAt ? new Date(this.data.previousStartsAt) : null;
  }

  @Field(() => Date, { nullable: true, description: 'For rescheduled: where the booking ended before' })
  get previousEndsAt(): Date | null {
    return this.data.previousEndsAt ? new Date(this.data.previousEndsAt) : null;
  }

  @Field(() => String, { nullable: true, description: 'For cancelled: the reason given' })
  get reason(): string | null {
    return this.data.reason ?? null;
  }
}
