import { DateTime } from 'luxon';
import { zoneOrUtc } from '../../core/time/zones';
import { Booking, BookingStatus } from '../../bookings/booking.entity';
import { isCritical, quietUntil, RecipientPreferences, wantsType } from '../../preferences/preference-rules';
import { CAMPAIGN_TYPES, Notification, NotificationChannel, NotificationReason, NotificationType } from '../notification.entity';
import { CREATION_NOTICES } from '../planning/booking-plan';

/** A booking status that ends a booking, and the reason a message about it is then skipped. */
const ENDED: Partial<Record<BookingStatus, NotificationReason>> = {
  [BookingStatus.cancelled]: NotificationReason.booking_cancelled,
  [BookingStatus.completed]: NotificationReason.booking_completed,
  [BookingStatus.no_show]: NotificationReason.booking_no_show,
};

/** Messages about a moment: pointless once it has passed. Planning never plans them late either. */
const STALE_AFTER_START: readonly NotificationType[] = [NotificationType.booking_reminder, NotificationType.provider_next_booking];
const STALE_AFTER_END: readonly NotificationType[] = [NotificationType.booking_starting, NotificationType.booking_ending_soon];

export interface SendTimeFacts {
  notification: Pick<Notification, 'type' | 'payload'>;
  booking: Pick<Booking, 'status' | 'startsAt' | 'endsAt'> | null;
  /** For the provider's agenda: how many active bookings that local day has, and when that day ends. */
  agenda?: { bookings: number; dayEndsAt: Date };
  /** The recipient's preferences now; absent: the defaults. */
  preferences?: RecipientPreferences;
  now: Date;
}

/**
 * Whether a notification is still wanted at the moment it would be sent; the reason to skip it
 * when not. Reminders, nudges and notices go only while the booking is active and still at the
 * schedule they were planned for (a reschedule notice: at its new schedule); a cancellation
 * notice only while the booking is cancelled; an agenda only while that day has bookings; and
 * nothing of a type the recipient has opted out of since planning.
 */
export function whyUnwanted({ notification, booking, agenda, preferences, now }: SendTimeFacts): NotificationReason | null {
  if (preferences && !wantsType(preferences, notification.type)) return NotificationReason.opted_out;
  // Closing its alert cancels a staff notice still pending; a campaign's message holds for its day.
  if (notification.type === NotificationType.staff_alert || CAMPAIGN_TYPES.includes(notification.type)) return null;
  if (notification.type === NotificationType.provider_daily_agenda) {
    if (!agenda || agenda.bookings === 0) return NotificationReason.no_bookings;
    return now.getTime() >= agenda.dayEndsAt.getTime() ? NotificationReason.too_late : null;
  }
  // Rows cascade with their booking, so a missing one means it changed beyond recognition.
  if (!booking) return NotificationReason.booking_changed;
  if (notification.type === NotificationType.booking_cancelled) {
    return booking.status === BookingStatus.cancelled ? null : NotificationReason.booking_changed;
  }
  const ended = ENDED[booking.status];
  if (ended) return ended;
  // The creation's notices hold whatever the slot became (rendering shows the current one).
  if (!CREATION_NOTICES.includes(notification.type) && movedSincePlanning(notification.payload, booking)) return NotificationReason.booking_changed;
  if (STALE_AFTER_START.includes(notification.type) && now.getTime() >= booking.startsAt.getTime()) return NotificationReason.too_late;
  if (STALE_AFTER_END.includes(notification.type) && now.getTime() >= booking.endsAt.getTime()) return NotificationReason.too_late;
  return null;
}

/**
 * What the recipient's quiet hours (read in their time zone) make of a message due now:
 * - `defer`: hold it until they end;
 * - `last_call`: they end only after the booking starts, so a reminder held back would be too
 *   late: it goes now, as the last one, and the others still pending within them are skipped;
 * - null: send (outside quiet hours, a critical type, or the in-app inbox, which never rings).
 */
export type QuietHoursCall = { kind: 'defer'; until: Date } | { kind: 'last_call'; quietUntil: Date };

export function quietHoursCall(input: {
  notification: Pick<Notification, 'type' | 'channel' | 'payload'>;
  booking: Pick<Booking, 'startsAt'> | null;
  preferences: Pick<RecipientPreferences, 'quietHours'>;
  timezone: string;
  now: Date;
}): QuietHoursCall | null {
  const { notification, booking } = input;
  if (notification.channel === NotificationChannel.in_app || isCritical(notification.type)) return null;
  // A critical alert wakes staff; anything less waits for the morning.
  if (notification.payload.alert?.severity === CRITICAL_ALERT) return null;
  const until = quietUntil(input.preferences.quietHours, input.timezone, input.now);
  if (!until) return null;
  if (booking && STALE_AFTER_START.includes(notification.type) && until.getTime() >= booking.startsAt.getTime()) return { kind: 'last_call', quietUntil: until };
  return { kind: 'defer', until };
}

/** The alert severity that goes through quiet hours (the alerts module's `critical`). */
const CRITICAL_ALERT = 'critical';

/** True when the booking's slot is no longer the one the payload recorded at planning. */
export function movedSincePlanning(payload: Notification['payload'], booking: Pick<Booking, 'startsAt' | 'endsAt'>): boolean {
  const differs = (planned: string | undefined, actual: Date) => planned !== undefined && new Date(planned).getTime() !== actual.getTime();
  return differs(payload.startsAt, booking.startsAt) || differs(payload.endsAt, booking.endsAt);
}

/** A local calendar day (YYYY-MM-DD) in `timezone` as a UTC range [from, to); UTC for an unknown zone. */
export function localDayRange(date: string, timezone: string): { from: Date; to: Date } {
  const zone = zoneOrUtc(timezone);
  const start = DateTime.fromISO(date, { zone }).startOf('day');
  if (!start.isValid) throw new Error(`not a local date: ${date}`);
  return { from: start.toJSDate(), to: start.plus({ days: 1 }).toJSDate() };
}
