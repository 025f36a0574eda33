import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { LiveEvents } from '../core/graphql/live-events';
import { BookingEventType } from './booking-event.entity';
import { loggableError } from '../core/errors/graphql-error.filter';

/** The LiveEvents topic behind the `bookingChanged` subscription. */
export const BOOKING_CHANGED_TOPIC = 'bookingChanged';

/** In-process event name for a booking event type: `booking.created`, `booking.no_show`, ... */
export const bookingEventName = (type: BookingEventType): string => `booking.${type}`;

/**
 * What is emitted in-process (`booking.<type>`) and on the `bookingChanged` topic once a
 * booking change has committed. It points at the persisted BookingEvent row (`eventId`);
 * consumers reload what they need from Postgres. `customerId`/`providerId` let subscribers
 * decide visibility without a query.
 */
export class BookingEventPayload {
  readonly eventId: string;
  readonly bookingId: string;
  readonly type: BookingEventType;
  readonly bookingVersion: number;
  readonly actorId: string | null;
  readonly occurredAt: Date;
  readonly customerId: string;
  readonly providerId: string;

  constructor(init: BookingEventPayload) {
    this.eventId = init.eventId;
    this.bookingId = init.bookingId;
    this.type = init.type;
    this.bookingVersion = init.bookingVersion;
    this.actorId = init.actorId;
    this.occurredAt = init.occurredAt;
    this.customerId = init.customerId;
    this.providerId = init.providerId;
  }
}

/**
 * Announces committed booking events. The row in booking_events is the record (notifications are
 * planned from it by their own relay); announcing is best effort and never holds the request up:
 * a failing listener or an unreachable Redis is logged and does not undo or fail the change.
 */
@Injectable()
export class BookingEventPublisher {
  private readonly logger = new Logger(BookingEventPublisher.name);

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly live: LiveEvents,
  ) {}

  async publish(payload: BookingEventPayload): Promise<void> {
    try {
      await this.emitter.emitAsync(bookingEventName(payload.type), payload);
    } catch (error) {
      this.logger.error(`A listener of ${bookingEventName(payload.type)} failed for event ${payload.eventId}: ${loggableError(error)}`);
    }
    // Not awaited: with Redis down the publish would wait for its reconnection.
    this.live.publish(BOOKING_CHANGED_TOPIC, payload).catch((error: unknown) => {
      this.logger.error(`Could not publish ${BOOKING_CHANGED_TOPIC} for event ${payload.eventId}: ${loggableError(error)}`);
    });
  }
}
