import { NotificationChannel } from '../notification.entity';
import { ChannelAddress } from './channel-sender';

/** What decides whether, and where, a user can be reached on a channel. */
export interface Reachable {
  email: string | null;
  phone: string | null;
  telegramChatId: string | null;
  /** Telegram turned off (/stop, or the bot was blocked). */
  telegramOffAt?: Date | null;
  /** SMS turned off (the number unsubscribed). */
  smsOffAt?: Date | null;
  /** Channels the user switched off in their preferences: unreachable there, as without an address. */
  preferences?: { channelsOff: readonly NotificationChannel[] };
}

/** What a channel needs to know about a user to reach them. */
export interface ChannelUser extends Reachable {
  id: string;
  locale: string;
}

/** Whether the user switched `channel` off in their preferences. */
export const switchedOff = (user: Pick<Reachable, 'preferences'>, channel: NotificationChannel): boolean => user.preferences?.channelsOff.includes(channel) ?? false;

/**
 * The one rule for reaching a user on an external channel: not switched off in their
 * preferences, and Telegram needs a linked chat not switched off, email an address, SMS a phone
 * not switched off. Null when unreachable.
 */
export function externalAddress(channel: Exclude<NotificationChannel, NotificationChannel.in_app>, user: Reachable): string | null {
  if (switchedOff(user, channel)) return null;
  switch (channel) {
    case NotificationChannel.telegram:
      return user.telegramChatId && !user.telegramOffAt ? String(user.telegramChatId) : null;
    case NotificationChannel.email:
      return user.email || null;
    case NotificationChannel.sms:
      return user.phone && !user.smsOffAt ? user.phone : null;
  }
}

/** The address of a user on a channel (the user id for the in-app inbox, unless switched off), or null when unreachable. */
export function addressOn(channel: NotificationChannel, user: ChannelUser): ChannelAddress | null {
  const to = channel === NotificationChannel.in_app ? (switchedOff(user, channel) ? null : user.id) : externalAddress(channel, user);
  return to ? { userId: user.id, to, locale: user.locale } : null;
}
