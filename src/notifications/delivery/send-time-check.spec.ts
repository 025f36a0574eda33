import { BookingStatus } from '../../bookings/booking.entity';
import { DEFAULT_PREFERENCES } from '../../preferences/preference-rules';
import { AlertNotice, AlertNoticeKind, NotificationChannel, NotificationPayload, NotificationReason, NotificationType } from '../notification.entity';
import { localDayRange, movedSincePlanning, quietHoursCall, whyUnwanted } from './send-time-check';

const HOUR = 3_600_000;
const now = new Date('2031-01-10T06:00:00Z');
const startsAt = new Date(now.getTime() + 3 * HOUR);
const endsAt = new Date(startsAt.getTime() + HOUR);
const planned = { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
const ALERT_NOTICE: AlertNotice = {
  alertId: 'a1',
  kind: AlertNoticeKind.raised,
  alertType: 'payment_on_hold',
  severity: 'high',
  title: '2 payment(s) on hold',
  description: '',
  occurrences: 1,
  firstSeenAt: now.toISOString(),
};

const booking = (status = BookingStatus.confirmed, at = { startsAt, endsAt }) => ({ status, ...at });
const check = (type: NotificationType, b: ReturnType<typeof booking> | null, payload = planned) =>
  whyUnwanted({ notification: { type, payload }, booking: b, now });

describe(whyUnwanted.name, () => {
  it('lets a reminder for an unchanged active booking through', () => {
    expect(check(NotificationType.booking_reminder, booking())).toBeNull();
    expect(check(NotificationType.booking_reminder, booking(BookingStatus.pending))).toBeNull();
  });

  it.each([
    [BookingStatus.cancelled, NotificationReason.booking_cancelled],
    [BookingStatus.completed, NotificationReason.booking_completed],
    [BookingStatus.no_show, NotificationReason.booking_no_show],
  ])('skips reminders, nudges and notices of a %s booking', (status, reason) => {
    for (const type of [
      NotificationType.booking_reminder,
      NotificationType.provider_next_booking,
      NotificationType.booking_starting,
      NotificationType.booking_confirmation,
      NotificationType.booking_rescheduled,
    ]) {
      expect(check(type, booking(status))).toBe(reason);
    }
  });

  it('skips a message planned for another slot as booking_changed', () => {
    const moved = booking(BookingStatus.confirmed, { startsAt: new Date(startsAt.getTime() + HOUR), endsAt: new Date(endsAt.getTime() + HOUR) });
    expect(check(NotificationType.booking_reminder, moved)).toBe(NotificationReason.booking_changed);
    // A reschedule notice goes only while the booking is at the schedule it announces.
    expect(check(NotificationType.booking_rescheduled, moved)).toBe(NotificationReason.booking_changed);
    const longer = booking(BookingStatus.confirmed, { startsAt, endsAt: new Date(endsAt.getTime() + HOUR) });
    expect(check(NotificationType.booking_reminder, longer)).toBe(NotificationReason.booking_changed);
  });

  it("still sends the creation's notices after a reschedule: the booking exists, rendered at its current slot", () => {
    const moved = booking(BookingStatus.confirmed, { startsAt: new Date(startsAt.getTime() + HOUR), endsAt: new Date(endsAt.getTime() + HOUR) });
    expect(check(NotificationType.booking_confirmation, moved)).toBeNull();
    expect(check(NotificationType.provider_new_booking, moved)).toBeNull();
    expect(check(NotificationType.booking_confirmation, booking(BookingStatus.cancelled))).toBe(NotificationReason.booking_cancelled);
  });

  it('sends a cancellation notice only while the booking is cancelled', () => {
    expect(check(NotificationType.booking_cancelled, booking(BookingStatus.cancelled))).toBeNull();
    expect(check(NotificationType.booking_cancelled, booking(BookingStatus.confirmed))).toBe(NotificationReason.booking_changed);
  });

  it('skips a reminder once the booking has started, and an ending-soon once it has ended', () => {
    const started = booking(BookingStatus.confirmed, { startsAt: new Date(now.getTime() - 1), endsAt: new Date(now.getTime() + HOUR) });
    const payload = { startsAt: started.startsAt.toISOString(), endsAt: started.endsAt.toISOString() };
    expect(check(NotificationType.booking_reminder, started, payload)).toBe(NotificationReason.too_late);
    expect(check(NotificationType.booking_ending_soon, started, payload)).toBeNull();
  });

  it('skips an agenda with no bookings left, or whose day is over', () => {
    const agenda = (bookings: number, dayEndsAt = new Date(now.getTime() + HOUR)) =>
      whyUnwanted({ notification: { type: NotificationType.provider_daily_agenda, payload: { agendaDate: '2031-01-10' } }, booking: null, agenda: { bookings, dayEndsAt }, now });
    expect(agenda(2)).toBeNull();
    expect(agenda(0)).toBe(NotificationReason.no_bookings);
    expect(agenda(1, now)).toBe(NotificationReason.too_late);
  });

  it('ignores a payload without a planned slot', () => {
    expect(movedSincePlanning({}, booking())).toBe(false);
  });
});

describe(localDayRange.name, () => {
  it('is the local day in the zone, as UTC instants', () => {
    expect(localDayRange('2031-01-10', 'Asia/Tashkent')).toEqual({ from: new Date('2031-01-09T19:00:00Z'), to: new Date('2031-01-10T19:00:00Z') });
  });

  it('handles a daylight-saving change (a 23-hour day)', () => {
    const { from, to } = localDayRange('2031-03-30', 'Europe/Berlin');
    expect(to.getTime() - from.getTime()).toBe(23 * HOUR);
  });
});

describe('preferences at send time', () => {
  it('skips a type the recipient opted out of since planning, but never a critical one', () => {
    const preferences = { ...DEFAULT_PREFERENCES, optedOut: [NotificationType.booking_reminder, NotificationType.booking_rescheduled] };
    expect(whyUnwanted({ notification: { type: NotificationType.booking_reminder, payload: planned }, booking: booking(), preferences, now })).toBe(NotificationReason.opted_out);
    expect(whyUnwanted({ notification: { type: NotificationType.booking_rescheduled, payload: planned }, booking: booking(), preferences, now })).toBeNull();
  });
});

describe(quietHoursCall.name, () => {
  const quiet = { quietHours: { start: '22:00', end: '07:00' } };
  // 06:00Z is 11:00 in Tashkent; in UTC it is inside the night.
  const call = (type: NotificationType, channel = NotificationChannel.sms, start = startsAt, timezone = 'UTC', payload: NotificationPayload = {}) =>
    quietHoursCall({ notification: { type, channel, payload }, booking: { startsAt: start }, preferences: quiet, timezone, now });

  it('lets everything through outside quiet hours, read in the recipient\'s zone', () => {
    expect(call(NotificationType.booking_reminder, NotificationChannel.sms, startsAt, 'Asia/Tashkent')).toBeNull();
  });

  it('defers a message until the quiet hours end when that is before the booking starts', () => {
    const later = new Date('2031-01-10T12:00:00Z');
    expect(call(NotificationType.booking_reminder, NotificationChannel.sms, later)).toEqual({ kind: 'defer', until: new Date('2031-01-10T07:00:00Z') });
    expect(call(NotificationType.booking_confirmation)).toEqual({ kind: 'defer', until: new Date('2031-01-10T07:00:00Z') });
  });

  it('sends a reminder now as the last one when the quiet hours end after the start', () => {
    const early = new Date('2031-01-10T06:30:00Z');
    expect(call(NotificationType.booking_reminder, NotificationChannel.sms, early)).toEqual({ kind: 'last_call', quietUntil: new Date('2031-01-10T07:00:00Z') });
  });

  it('never holds back critical types or the in-app inbox', () => {
    expect(call(NotificationType.booking_cancelled)).toBeNull();
    expect(call(NotificationType.booking_rescheduled)).toBeNull();
    expect(call(NotificationType.booking_reminder, NotificationChannel.in_app)).toBeNull();
  });

  it('holds back a staff notice until morning unless its alert is critical', () => {
    const notice = (severity: string) => ({ alert: { ...ALERT_NOTICE, severity } });
    expect(call(NotificationType.staff_alert, NotificationChannel.sms, startsAt, 'UTC', notice('high'))).toEqual({ kind: 'defer', until: new Date('2031-01-10T07:00:00Z') });
    expect(call(NotificationType.staff_alert, NotificationChannel.sms, startsAt, 'UTC', notice('critical'))).toBeNull();
  });
});

describe('staff notices at send time', () => {
  it('go whatever the (absent) booking, unless the recipient opted out of them', () => {
    const notification = { type: NotificationType.staff_alert, payload: { alert: ALERT_NOTICE } };
    expect(whyUnwanted({ notification, booking: null, now })).toBeNull();
    expect(whyUnwanted({ notification, booking: null, preferences: { ...DEFAULT_PREFERENCES, optedOut: [NotificationType.staff_alert] }, now })).toBe(NotificationReason.opted_out);
  });
});
