import { HeraldConfig } from '../core/config/herald-config';
import { NotificationChannel } from './notification.entity';

/** The channels a reminder entry may name: in-app always gets its copy anyway. */
export type ReminderChannel = Exclude<NotificationChannel, NotificationChannel.in_app>;
export const REMINDER_CHANNELS: readonly ReminderChannel[] = [NotificationChannel.telegram, NotificationChannel.email, NotificationChannel.sms];

/** One reminder: this long before the booking starts, on `channel` first (null: the type's channel order). */
export interface ReminderEntry {
  beforeSeconds: number;
  channel: ReminderChannel | null;
}

const UNITS: [string, number][] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
];

/** A duration in seconds in its largest whole unit, as the settings write it: 172800 → "2d". */
export function formatBefore(seconds: number): string {
  const [unit, size] = UNITS.find(([, size]) => seconds > 0 && seconds % size === 0) ?? ['s', 1];
  return `${seconds / size}${unit}`;
}

/** What a user's own schedule must keep to (the global setting is the operator's and may go finer). */
export const USER_REMINDER_LIMITS = { minSeconds: 60, maxSeconds: 30 * 86_400, maxEntries: 10 } as const;

/** Why a user's schedule is refused, one line per problem; empty when it is fine. Two entries at one moment are a duplicate. */
export function userScheduleProblems(entries: readonly ReminderEntry[]): string[] {
  const { minSeconds, maxSeconds, maxEntries } = USER_REMINDER_LIMITS;
  const problems: string[] = [];
  if (entries.length > maxEntries) problems.push(`at most ${maxEntries} reminders`);
  const seen = new Set<number>();
  for (const entry of entries) {
    if (!Number.isInteger(entry.beforeSeconds) || entry.beforeSeconds < minSeconds || entry.beforeSeconds > maxSeconds) {
      problems.push(`${formatBefore(entry.beforeSeconds)} is not between 1 minute and 30 days before the start`);
    }
    if (seen.has(entry.beforeSeconds)) problems.push(`${formatBefore(entry.beforeSeconds)} before the start is listed twice`);
    seen.add(entry.beforeSeconds);
  }
  return problems;
}

/** NOTIFY_REMINDER_OFFSETS as entries (its syntax is checked when the config loads). */
export function defaultReminderSchedule(config: HeraldConfig): ReminderEntry[] {
  return config.notificationTiming.reminders.map(({ ms, channel }) => ({ beforeSeconds: Math.round(ms / 1000), channel: channel as ReminderChannel | null }));
}
