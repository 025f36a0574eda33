import { DateTime } from 'luxon';
import { zoneOrUtc } from '../../core/time/zones';
import { bookingDedupKey, NotificationType } from '../notification.entity';
import { PlannedNotification, PlanParty, PlanSettings, RowCollector } from './booking-plan';

/**
 * Providers' completion reminders (seed 004, "vendor completion reminders"), as pure rules: at
 * each of NOTIFY_COMPLETION_HOURS in the provider's own zone, one message per active booking
 * of theirs that ends before the next of those hours (due soon) or has ended (overdue, for up
 * to OVERDUE_REMINDED_MS), asking them to mark it completed or no-show.
 */

/** A slot is planned this long ahead, so its messages go out on the hour (the run comes every quarter). */
export const COMPLETION_LEAD_MS = 60 * 60_000;
/** A slot missed by less than this (a restart) is still sent; an older one is skipped, never sent late. */
export const COMPLETION_GRACE_MS = 30 * 60_000;
/** Bookings overdue for longer stop being reminded of: the booking_overdue alert has long told ops. */
export const OVERDUE_REMINDED_MS = 7 * 24 * 60 * 60_000;

export interface CompletionSlot {
  at: Date;
  /** The slot after it: bookings ending before then are due by this reminder. */
  nextAt: Date;
}

/** The slot of `hours` (local, in `timezone`) to plan for at `now`: the next within the lead, else the last within the grace; null when none. */
export function completionSlot(hours: readonly number[], timezone: string, now: Date): CompletionSlot | null {
  if (hours.length === 0) return null;
  const today = DateTime.fromJSDate(now, { zone: zoneOrUtc(timezone) }).startOf('day');
  // Yesterday's to tomorrow's slots, in order: enough for any lead or grace shorter than a day.
  const slots = [-1, 0, 1, 2].flatMap((days) => hours.map((hour) => today.plus({ days }).set({ hour }).toJSDate()));
  const index = slots.findIndex((slot) => slot.getTime() > now.getTime() - COMPLETION_GRACE_MS && slot.getTime() <= now.getTime() + COMPLETION_LEAD_MS);
  return index === -1 ? null : { at: slots[index], nextAt: slots[index + 1] };
}

/** An active booking and its provider, as the reminder run loads them. */
export interface CompletionCandidate {
  booking: { id: string; startsAt: Date; endsAt: Date; version: number };
  provider: PlanParty;
}

/**
 * The reminders `candidates` call for at `now`. Each is keyed to its booking, version and slot
 * (the offset is the seconds from the slot to the booking's end, below zero once it has ended),
 * so a second run, or a second scheduler, plans nothing twice; a reschedule's new version is reminded afresh.
 */
export function planCompletionReminders(candidates: readonly CompletionCandidate[], hours: readonly number[], settings: PlanSettings, now: Date): PlannedNotification[] {
  const rows = new RowCollector({ now, settings });
  const type = NotificationType.provider_completion_reminder;
  for (const { booking, provider } of candidates) {
    const slot = completionSlot(hours, provider.timezone, now);
    if (!slot) continue;
    const ends = booking.endsAt.getTime();
    if (ends >= slot.nextAt.getTime() || ends < slot.at.getTime() - OVERDUE_REMINDED_MS) continue;
    const offsetSeconds = Math.round((ends - slot.at.getTime()) / 1000);
    rows.add(provider, type, slot.at, { immediate: true }, (channel) => ({
      dedupKey: bookingDedupKey({ bookingId: booking.id, type, offsetSeconds, channel, recipientId: provider.id, bookingVersion: booking.version }),
      bookingId: booking.id,
      type,
      offsetSeconds,
      bookingVersion: booking.version,
      payload: { startsAt: booking.startsAt.toISOString(), endsAt: booking.endsAt.toISOString() },
    }));
  }
  return rows.all();
}
