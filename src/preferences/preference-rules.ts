import { DateTime } from 'luxon';
import { zoneOrUtc } from '../core/time/zones';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { ReminderEntry } from '../notifications/reminder-schedule';

/**
 * The preference rules, as pure functions: which types a user wants, on which channels, and
 * when they must not be disturbed. Planning applies them when it writes rows and delivery again
 * when it sends, so a change made in between still counts.
 */

/** What a type is for: booking and staff messages are on unless opted out; marketing only after an explicit opt-in. */
export enum NotificationCategory {
  booking = 'booking',
  /** To ops, finance and admins about business alerts. */
  staff = 'staff',
  marketing = 'marketing',
}

export type CategoryMap = Readonly<Record<NotificationType, NotificationCategory>>;

/** What each type is for: campaigns' messages are marketing, sent only to those who opted in. */
export const NOTIFICATION_CATEGORIES: CategoryMap = {
  [NotificationType.booking_confirmation]: NotificationCategory.booking,
  [NotificationType.provider_new_booking]: NotificationCategory.booking,
  [NotificationType.booking_reminder]: NotificationCategory.booking,
  [NotificationType.booking_starting]: NotificationCategory.booking,
  [NotificationType.booking_ending_soon]: NotificationCategory.booking,
  [NotificationType.provider_next_booking]: NotificationCategory.booking,
  [NotificationType.provider_daily_agenda]: NotificationCategory.booking,
  [NotificationType.booking_rescheduled]: NotificationCategory.booking,
  [NotificationType.booking_cancelled]: NotificationCategory.booking,
  [NotificationType.provider_completion_reminder]: NotificationCategory.booking,
  [NotificationType.staff_alert]: NotificationCategory.staff,
  [NotificationType.area_demand]: NotificationCategory.marketing,
  [NotificationType.area_promotion]: NotificationCategory.marketing,
};

/** A change to the booking itself: never opted out of, never held back by quiet hours. */
export const CRITICAL_TYPES: readonly NotificationType[] = [NotificationType.booking_cancelled, NotificationType.booking_rescheduled];

export const isCritical = (type: NotificationType): boolean => CRITICAL_TYPES.includes(type);

/** Local wall-clock times, "HH:mm"; `end` before `start` wraps past midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** One user's preferences as the rules read them. */
export interface RecipientPreferences {
  /** Channels the user switched off (an email unsubscribe lands here too). */
  channelsOff: readonly NotificationChannel[];
  /** Types switched off; critical types are never among them. */
  optedOut: readonly NotificationType[];
  /** Types of opt-in categories (marketing) switched on. */
  optedIn: readonly NotificationType[];
  /** Null: the global NOTIFY_REMINDER_OFFSETS. */
  reminderSchedule: readonly ReminderEntry[] | null;
  quietHours: QuietHours | null;
}

/** What a user who never set anything has. */
export const DEFAULT_PREFERENCES: RecipientPreferences = { channelsOff: [], optedOut: [], optedIn: [], reminderSchedule: null, quietHours: null };

/** Whether the user wants messages of `type`: critical ones always; opt-in categories only when opted in; the rest unless opted out. */
export function wantsType(preferences: RecipientPreferences, type: NotificationType, categories: CategoryMap = NOTIFICATION_CATEGORIES): boolean {
  if (isCritical(type)) return true;
  if (categories[type] === NotificationCategory.marketing) return preferences.optedIn.includes(type);
  return !preferences.optedOut.includes(type);
}

export const channelOn = (preferences: RecipientPreferences, channel: NotificationChannel): boolean => !preferences.channelsOff.includes(channel);

export const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * When the quiet period `at` falls in ends, as an instant; null when `at` is outside quiet
 * hours (or they start and end at the same time). Read in `timezone` on the day in question,
 * so a DST change moves the instants with the wall clock; a wall time the change skips counts
 * as the first valid time after it.
 */
export function quietUntil(quietHours: QuietHours | null, timezone: string, at: Date): Date | null {
  if (!quietHours || quietHours.start === quietHours.end) return null;
  const local = DateTime.fromJSDate(at, { zone: zoneOrUtc(timezone) });
  const minutes = local.hour * 60 + local.minute;
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  const wraps = end < start;
  const inside = wraps ? minutes >= start || minutes < end : minutes >= start && minutes < end;
  if (!inside) return null;
  // Ends today unless it wraps and we are before midnight.
  const endDay = wraps && minutes >= start ? local.plus({ days: 1 }) : local;
  return endDay.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 }).toJSDate();
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}
