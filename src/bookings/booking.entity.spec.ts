import { ErrorKind } from '../core/errors/herald-error';
import { User } from '../users/user.entity';
import { assertSchedulable, Booking, BookingStatus, formatMoney } from './booking.entity';
import { BookingErrorReason } from './bookings.error';
import { thrown } from '../../test/support/thrown';

const HOUR = 3_600_000;
const now = new Date('2026-11-21T10:00:00Z');

function bookingIn(status: BookingStatus, startsInHours = 2): Booking {
  const booking = new Booking();
  booking.status = status;
  booking.startsAt = new Date(now.getTime() + startsInHours * HOUR);
  booking.endsAt = new Date(booking.startsAt.getTime() + HOUR);
  booking.timezone = 'Asia/Tashkent';
  return booking;
}


describe(Booking.name, () => {
  const ALL = Object.values(BookingStatus);

  describe('confirm', () => {
    it('moves pending to confirmed', () => {
      const booking = bookingIn(BookingStatus.pending);
      booking.confirm();
      expect(booking.status).toBe(BookingStatus.confirmed);
    });

    it.each(ALL.filter((s) => s !== BookingStatus.pending))('refuses from %s with the current status', (status) => {
      const error = thrown(() => bookingIn(status).confirm());
      expect(error.kind).toBe(ErrorKind.Conflict);
      expect(error.reason).toBe(BookingErrorReason.IllegalTransition);
      expect(error.details).toMatchObject({ currentStatus: status, entity: 'Booking' });
    });
  });

  describe('cancel', () => {
    it.each([BookingStatus.pending, BookingStatus.confirmed])('cancels from %s, recording who, why and when', (status) => {
      const booking = bookingIn(status);
      const by = new User();
      booking.cancel('ill', by, now);
      expect(booking.status).toBe(BookingStatus.cancelled);
      expect(booking.cancellationReason).toBe('ill');
      expect(booking.cancelledBy).toBe(by);
      expect(booking.cancelledAt).toEqual(now);
    });

    it.each([BookingStatus.cancelled, BookingStatus.completed, BookingStatus.no_show])('refuses from %s and changes nothing', (status) => {
      const booking = bookingIn(status);
      expect(thrown(() => booking.cancel('x', null, now)).details).toMatchObject({ currentStatus: status });
      expect(booking.status).toBe(status);
      expect(booking.cancelledAt).toBeNull();
    });
  });

  describe('reschedule', () => {
    it('moves the slot and returns the previous one', () => {
      const booking = bookingIn(BookingStatus.confirmed);
      const before = { startsAt: booking.startsAt, endsAt: booking.endsAt };
      const startsAt = new Date(now.getTime() + 5 * HOUR);
      const endsAt = new Date(now.getTime() + 6 * HOUR);
      const previous = booking.reschedule(startsAt, endsAt, 'Europe/Moscow', now);
      expect(previous).toEqual({ previousStartsAt: before.startsAt.toISOString(), previousEndsAt: before.endsAt.toISOString(), previousTimezone: 'Asia/Tashkent' });
      expect(booking.startsAt).toBe(startsAt);
      expect(booking.endsAt).toBe(endsAt);
      expect(booking.timezone).toBe('Europe/Moscow');
      expect(booking.status).toBe(BookingStatus.confirmed);
    });

    it('changes nothing when moved to the slot it has', () => {
      const booking = bookingIn(BookingStatus.confirmed);
      const slot = { startsAt: new Date(booking.startsAt), endsAt: new Date(booking.endsAt) };
      expect(booking.reschedule(slot.startsAt, slot.endsAt, undefined, now)).toBeNull();
      expect(booking.reschedule(slot.startsAt, slot.endsAt, booking.timezone, now)).toBeNull();
      expect(booking.reschedule(slot.startsAt, slot.endsAt, 'Europe/Moscow', now)).not.toBeNull();
    });

    it('keeps the time zone when none is given', () => {
      const booking = bookingIn(BookingStatus.pending);
      booking.reschedule(new Date(now.getTime() + 5 * HOUR), new Date(now.getTime() + 6 * HOUR), undefined, now);
      expect(booking.timezone).toBe('Asia/Tashkent');
    });

    it('refuses a slot in the past or ending before it starts', () => {
      const booking = bookingIn(BookingStatus.pending);
      expect(thrown(() => booking.reschedule(new Date(now.getTime() - HOUR), now, undefined, now)).reason).toBe(BookingErrorReason.StartsInPast);
      expect(thrown(() => booking.reschedule(new Date(now.getTime() + 3 * HOUR), new Date(now.getTime() + 2 * HOUR), undefined, now)).reason).toBe(
        BookingErrorReason.EndsBeforeStart,
      );
      expect(booking.startsAt).toEqual(new Date(now.getTime() + 2 * HOUR));
    });

    it.each([BookingStatus.cancelled, BookingStatus.completed, BookingStatus.no_show])('refuses from %s', (status) => {
      const error = thrown(() => bookingIn(status).reschedule(new Date(now.getTime() + 5 * HOUR), new Date(now.getTime() + 6 * HOUR), undefined, now));
      expect(error.reason).toBe(BookingErrorReason.IllegalTransition);
    });
  });

  describe.each([
    ['complete', (b: Booking, at: Date) => b.complete(at), BookingStatus.completed],
    ['markNoShow', (b: Booking, at: Date) => b.markNoShow(at), BookingStatus.no_show],
  ] as const)('%s', (_name, act, target) => {
    it('finishes a confirmed booking once it has started', () => {
      const booking = bookingIn(BookingStatus.confirmed, -1);
      act(booking, now);
      expect(booking.status).toBe(target);
    });

    it('accepts the very instant it starts', () => {
      const booking = bookingIn(BookingStatus.confirmed, 0);
      act(booking, now);
      expect(booking.status).toBe(target);
    });

    it('refuses before the start with NOT_STARTED', () => {
      const booking = bookingIn(BookingStatus.confirmed, 1);
      const error = thrown(() => act(booking, now));
      expect(error.kind).toBe(ErrorKind.Conflict);
      expect(error.reason).toBe(BookingErrorReason.NotStarted);
      expect(booking.status).toBe(BookingStatus.confirmed);
    });

    it.each(ALL.filter((s) => s !== BookingStatus.confirmed))('refuses from %s even after the start', (status) => {
      const error = thrown(() => act(bookingIn(status, -1), now));
      expect(error.reason).toBe(BookingErrorReason.IllegalTransition);
      expect(error.details).toMatchObject({ currentStatus: status });
    });
  });

  describe('assertSchedulable', () => {
    it('accepts a future slot', () => {
      expect(() => assertSchedulable(new Date(now.getTime() + 1), new Date(now.getTime() + HOUR), now)).not.toThrow();
    });

    it('refuses a start at or before now as BAD_USER_INPUT', () => {
      const error = thrown(() => assertSchedulable(now, new Date(now.getTime() + HOUR), now));
      expect(error.kind).toBe(ErrorKind.BadUserInput);
      expect(error.reason).toBe(BookingErrorReason.StartsInPast);
    });

    it('refuses an end at or before the start as BAD_USER_INPUT', () => {
      const start = new Date(now.getTime() + HOUR);
      const error = thrown(() => assertSchedulable(start, start, now));
      expect(error.kind).toBe(ErrorKind.BadUserInput);
      expect(error.reason).toBe(BookingErrorReason.EndsBeforeStart);
    });
  });

  it('formats money with two decimals', () => {
    expect(formatMoney('150000')).toBe('150000.00');
    expect(formatMoney('99.5')).toBe('99.50');
    expect(formatMoney('007.25')).toBe('7.25');
    expect(formatMoney('0')).toBe('0.00');
  });
});
