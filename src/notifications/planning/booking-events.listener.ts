import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BookingEventType } from '../../bookings/booking-event.entity';
import { bookingEventName, BookingEventPayload } from '../../bookings/booking.events';
import { NotificationPlanner } from './notification-planner.service';

/**
 * Plans notifications when a booking event has committed. `booking.confirmed` is not listened
 * to: confirming changes no schedule. Planning is idempotent, so a replayed event plans nothing
 * twice; a failure is logged with the booking and event ids and leaves the booking change as
 * it is (the event row stays in booking_events, and `scheduleAll` can plan it again).
 */
@Injectable()
export class BookingEventsListener {
  private readonly logger = new Logger(BookingEventsListener.name);

  constructor(private readonly planner: NotificationPlanner) {}

  @OnEvent(bookingEventName(BookingEventType.created))
  onCreated(event: BookingEventPayload): Promise<void> {
    return this.plan(event);
  }

  @OnEvent(bookingEventName(BookingEventType.rescheduled))
  onRescheduled(event: BookingEventPayload): Promise<void> {
    return this.plan(event);
  }

  @OnEvent(bookingEventName(BookingEventType.cancelled))
  onCancelled(event: BookingEventPayload): Promise<void> {
    return this.plan(event);
  }

  @OnEvent(bookingEventName(BookingEventType.completed))
  onCompleted(event: BookingEventPayload): Promise<void> {
    return this.plan(event);
  }

  @OnEvent(bookingEventName(BookingEventType.no_show))
  onNoShow(event: BookingEventPayload): Promise<void> {
    return this.plan(event);
  }

  private async plan(event: BookingEventPayload): Promise<void> {
    try {
      const result = await this.planner.planForEvent(event);
      this.logger.debug(
        `Booking ${event.bookingId} ${event.type} v${event.bookingVersion}: ${result.planned} planned, ${result.skippedTooLate} too late, ${result.cancelled} cancelled`,
      );
    } catch (error) {
      this.logger.error(
        `Planning notifications for booking ${event.bookingId} (${event.type} v${event.bookingVersion}, event ${event.eventId}) failed: ${describe(error)}`,
      );
    }
  }
}

const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));
