import { HeraldConfig } from '../../core/config/herald-config';
import { switchedOff } from '../channels/channel-address';
import { agendaDedupKey, bookingDedupKey, Notification, NotificationChannel } from '../notification.entity';
import { ExternalChannel, parseChannelList, parseChannelsByType, PlanParty, PlanSettings, reachableOn } from '../planning/booking-plan';

/**
 * Fallback rules, as pure functions: when a notification's channel cannot reach its recipient at
 * send time (no_address) or fails for good (permanent error, or retries used up), the next
 * channel of its type's order (NOTIFY_CHANNELS_BY_TYPE, else NOTIFY_CHANNELS) that reaches the
 * recipient gets a new row standing in for it (`fallbackOf`). In-app never takes part: it has
 * its own copy. A channel already tried in the chain is never tried again.
 */

/** The channel orders delivery falls back along; parsed once, so a bad setting stops the boot. */
export type ChannelOrders = Pick<PlanSettings, 'channels' | 'channelsByType'>;

export function channelOrdersFrom(config: HeraldConfig): ChannelOrders {
  return {
    channels: parseChannelList(config.NOTIFY_CHANNELS, 'NOTIFY_CHANNELS'),
    channelsByType: parseChannelsByType(config.NOTIFY_CHANNELS_BY_TYPE),
  };
}

const isExternal = (channel: NotificationChannel): channel is ExternalChannel => channel !== NotificationChannel.in_app;

/**
 * The channel to fall back to after `current`: the first of `order` after `current`'s place
 * (the whole order when `current` is not in it, e.g. the setting changed since planning) that
 * is not in `tried` and reaches the recipient. Null from in-app, or when none is left.
 */
export function nextFallbackChannel(input: {
  order: readonly ExternalChannel[];
  current: NotificationChannel;
  /** Channels of the chain so far, `current` included. */
  tried: readonly NotificationChannel[];
  recipient: Omit<PlanParty, 'id' | 'timezone'>;
}): ExternalChannel | null {
  const { order, current, tried, recipient } = input;
  if (!isExternal(current)) return null;
  const after = order.slice(order.indexOf(current) + 1);
  return after.find((channel) => !tried.includes(channel) && reachableOn(recipient, channel)) ?? null;
}

/** Whether a recipient can be reached on a channel at send time; in-app can unless they switched it off. */
export function reachableAtSendTime(channel: NotificationChannel, recipient: Omit<PlanParty, 'id' | 'timezone'>): boolean {
  return isExternal(channel) ? reachableOn(recipient, channel) : !switchedOff(recipient, channel);
}

/**
 * The fallback row's dedup key: the key planning would give that message on `channel`, so a
 * replayed failure, or planning itself having picked that channel, never makes a second one.
 * Rows planning did not key (no booking version, no agenda date) get a key of their own.
 */
export function fallbackDedupKey(
  previous: Pick<Notification, 'id' | 'type' | 'offsetSeconds' | 'bookingVersion' | 'payload'> & { bookingId: string | null; recipientId: string },
  channel: ExternalChannel,
): string {
  if (previous.bookingId && previous.bookingVersion !== null) {
    return bookingDedupKey({
      bookingId: previous.bookingId,
      type: previous.type,
      offsetSeconds: previous.offsetSeconds,
      channel,
      recipientId: previous.recipientId,
      bookingVersion: previous.bookingVersion,
    });
  }
  if (!previous.bookingId && previous.payload.agendaDate) return agendaDedupKey(previous.recipientId, previous.payload.agendaDate, channel);
  return ['fallback', previous.id, channel].join(':');
}
