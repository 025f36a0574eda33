import { BookingEventType } from '../../bookings/booking-event.entity';
import { BookingEventPayload } from '../../bookings/booking.events';
import { BookingEventsListener } from './booking-events.listener';
import { NotificationPlanner, PlanResult } from './notification-planner.service';

const event = new BookingEventPayload({
  eventId: 'event-1',
  bookingId: 'booking-1',
  type: BookingEventType.rescheduled,
  bookingVersion: 3,
  actorId: 'customer-1',
  occurredAt: new Date('2026-11-21T10:00:00Z'),
  customerId: 'customer-1',
  providerId: 'provider-1',
});

const NOTHING: PlanResult = { planned: 0, skippedTooLate: 0, cancelled: 0, rows: [] };

describe(BookingEventsListener.name, () => {
  it('hands each planned event type to the planner', async () => {
    const planForEvent = jest.fn(async () => NOTHING);
    const sut = new BookingEventsListener({ planForEvent } as unknown as NotificationPlanner);
    jest.spyOn(sut['logger'], 'debug').mockImplementation(() => undefined);
    await sut.onCreated(event);
    await sut.onRescheduled(event);
    await sut.onCancelled(event);
    await sut.onCompleted(event);
    await sut.onNoShow(event);
    expect(planForEvent).toHaveBeenCalledTimes(5);
    expect(planForEvent).toHaveBeenCalledWith(event);
  });

  it('logs a failure with the booking and event ids instead of failing the booking change', async () => {
    const sut = new BookingEventsListener({ planForEvent: async () => Promise.reject(new Error('database down')) } as unknown as NotificationPlanner);
    const error = jest.spyOn(sut['logger'], 'error').mockImplementation(() => undefined);
    await expect(sut.onRescheduled(event)).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toEqual(expect.stringContaining('booking-1'));
    expect(error.mock.calls[0][0]).toEqual(expect.stringContaining('event-1'));
    expect(error.mock.calls[0][0]).toEqual(expect.stringContaining('database down'));
  });
});
