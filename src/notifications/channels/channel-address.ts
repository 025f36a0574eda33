import { NotificationChannel } from '../notification.entity';
import { ChannelAddress } from './channel-sender';

/** What a channel needs to know about a user to reach them. */
export interface ChannelUser {
  id: string;
  email: string;
  phone: string | null;
  telegramChatId: string | null;
  locale: string;
}

/**
 * The built-in address of a user on a channel: Telegram chat id, email address, E.164 phone,
 * or the user id for the in-app inbox. Null when the user cannot be reached on that channel.
 */
export function addressOn(channel: NotificationChannel, user: ChannelUser): ChannelAddress | null {
  const to = rawAddress(channel, user);
  return to ? { userId: user.id, to, locale: user.locale } : null;
}

function rawAddress(channel: NotificationChannel, user: ChannelUser): string | null {
  switch (channel) {
    case NotificationChannel.in_app:
      return user.id;
    case NotificationChannel.telegram:
      return user.telegramChatId || null;
    case NotificationChannel.email:
      return user.email || null;
    case NotificationChannel.sms:
      return user.phone || null;
  }
}
