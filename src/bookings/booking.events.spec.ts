import { EventEmitter2 } from '@nestjs/event-emitter';
import { LiveEvents } from '../core/graphql/live-events';
import { BookingEventType } from './booking-event.entity';
import { BOOKING_CHANGED_TOPIC, bookingEventName, BookingEventPayload, BookingEventPublisher } from './booking.events';

const payload = new BookingEventPayload({
  eventId: 'e-1',
  bookingId: 'b-1',
  type: BookingEventType.no_show,
  bookingVersion: 3,
  actorId: 'u-1',
  occurredAt: new Date('2026-11-21T10:00:00Z'),
  customerId: 'c-1',
  providerId: 'p-1',
});

describe(BookingEventPublisher.name, () => {
  let emitter: EventEmitter2;
  let published: [string, unknown][];
  let live: LiveEvents;

  beforeEach(() => {
    emitter = new EventEmitter2();
    published = [];
    live = { publish: async (topic: string, message: unknown) => void published.push([topic, message]) } as unknown as LiveEvents;
  });

  it('names in-process events after the type', () => {
    expect(bookingEventName(BookingEventType.created)).toBe('booking.created');
    expect(bookingEventName(BookingEventType.no_show)).toBe('booking.no_show');
  });

  it('emits booking.<type> to listeners and publishes on the bookingChanged topic', async () => {
    const received: unknown[] = [];
    emitter.on('booking.no_show', async (event: unknown) => void received.push(event));
    await new BookingEventPublisher(emitter, live).publish(payload);
    expect(received).toEqual([payload]);
    expect(published).toEqual([[BOOKING_CHANGED_TOPIC, payload]]);
  });

  it('still publishes live, and does not throw, when a listener fails (the row is the record)', async () => {
    emitter.on('booking.no_show', async () => {
      throw new Error('listener down');
    });
    const publisher = new BookingEventPublisher(emitter, live);
    jest.spyOn(publisher['logger'], 'error').mockImplementation(() => undefined);
    await expect(publisher.publish(payload)).resolves.toBeUndefined();
    expect(published).toHaveLength(1);
    expect(publisher['logger'].error).toHaveBeenCalledWith(expect.stringContaining('e-1'));
  });

  it('does not throw when Redis refuses the live message, and logs it', async () => {
    const broken = { publish: async () => Promise.reject(new Error('redis down')) } as unknown as LiveEvents;
    const publisher = new BookingEventPublisher(emitter, broken);
    const logged = new Promise((resolve) => jest.spyOn(publisher['logger'], 'error').mockImplementation(resolve));
    await expect(publisher.publish(payload)).resolves.toBeUndefined();
    expect(await logged).toEqual(expect.stringContaining(BOOKING_CHANGED_TOPIC));
  });

  it('does not wait for a live publish that never answers (Redis unreachable)', async () => {
    const hanging = { publish: () => new Promise(() => undefined) } as unknown as LiveEvents;
    await expect(new BookingEventPublisher(emitter, hanging).publish(payload)).resolves.toBeUndefined();
  });
});
