import type { InlineKeyboardMarkup } from 'telegraf/types';
import { BookingStatus } from '../../bookings/booking.entity';
import { NotificationType } from '../../notifications/notification.entity';
import { BotTexts } from './telegram-texts';

/** What a button under a booking message does. Keys are the wire spelling in callback_data. */
export enum BookingButton {
  keep = 'keep',
  cancel = 'cancel',
  confirm = 'confirm',
  complete = 'complete',
  noShow = 'noshow',
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `b:<action>:<bookingId>`: at most 46 bytes, well within Telegram's 64. */
export function callbackData(action: BookingButton, bookingId: string): string {
  return `b:${action}:${bookingId}`;
}

/** The action and booking of a button press, or null for data Herald did not write. */
export function parseCallbackData(data: string): { action: BookingButton; bookingId: string } | null {
  const match = /^b:([a-z]+):(.+)$/.exec(data);
  if (!match) return null;
  const action = match[1] as BookingButton;
  if (!(Object.values(BookingButton) as string[]).includes(action) || !UUID.test(match[2])) return null;
  return { action, bookingId: match[2] };
}

export interface ButtonFacts {
  type: NotificationType;
  /** How the recipient stands to the booking. */
  recipientIs: 'customer' | 'provider' | 'other';
  status: BookingStatus;
  bookingId: string;
}

/**
 * The buttons a message gets, or undefined for none. Customers' reminders: "Keep it" and
 * "Cancel booking" (the booking model has no attendance confirmation by the customer; keeping is
 * an acknowledgement that changes nothing). Providers: "Confirm" on a new or next booking still
 * pending; "Completed" and "No-show" on the next-booking nudge of a confirmed booking. Every press
 * goes through BookingsService with the pressing user's own permissions.
 */
export function buttonsFor(facts: ButtonFacts, texts: BotTexts): InlineKeyboardMarkup | undefined {
  const button = (action: BookingButton, label: string) => ({ text: label, callback_data: callbackData(action, facts.bookingId) });
  const { type, recipientIs, status } = facts;
  if (recipientIs === 'customer' && type === NotificationType.booking_reminder && (status === BookingStatus.pending || status === BookingStatus.confirmed)) {
    return { inline_keyboard: [[button(BookingButton.keep, texts.button.keep), button(BookingButton.cancel, texts.button.cancel)]] };
  }
  if (recipientIs === 'provider') {
    const nudge = type === NotificationType.provider_next_booking;
    if ((nudge || type === NotificationType.provider_new_booking) && status === BookingStatus.pending) {
      return { inline_keyboard: [[button(BookingButton.confirm, texts.button.confirm)]] };
    }
    if (nudge && status === BookingStatus.confirmed) {
      return { inline_keyboard: [[button(BookingButton.complete, texts.button.complete), button(BookingButton.noShow, texts.button.noShow)]] };
    }
  }
  return undefined;
}
