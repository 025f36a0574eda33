import { NotificationChannel, NotificationType } from '../notification.entity';
import { RenderBooking, RenderedMessage } from '../rendering/message-renderer';

/** Where a message goes on a channel: an address the channel understands. */
export interface ChannelAddress {
  userId: string;
  /** Telegram chat id, email address or E.164 phone; the user id for in-app. */
  to: string;
  locale: string;
}

export interface SendReceipt {
  /** The provider's id for the message (Telegram message id, SMTP message id, Twilio SID), or the outbox file. */
  providerMessageId: string | null;
  /**
   * Runs once the row records the message as sent, e.g. the in-app live push, so a client that
   * reacts to it reads a finished inbox item. Best effort: a failure is logged, never retried.
   */
  afterRecorded?: () => Promise<void>;
}

/**
 * A delivery failure as the channel classifies it. Retryable: timeouts, network errors, 429 and
 * 5xx; permanent: invalid address, blocked, unauthorised.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The provider's requested wait (e.g. Telegram retry_after, HTTP Retry-After). */
    readonly retryAfterMs?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }

  static retryable(message: string, retryAfterMs?: number, code?: string) {
    return new ChannelError(message, true, retryAfterMs, code);
  }

  static permanent(message: string, code?: string) {
    return new ChannelError(message, false, undefined, code);
  }
}

/**
 * What a sender calls right before its provider request, once nothing is left to wait for (the
 * rate limit's slot taken, an SMTP connection free): delivery renews the row's sending lease from
 * that moment, so a send that waited longer than its lease never goes beside the attempt that
 * took the row over. Throws LeaseLost when one has; the sender then sends nothing.
 */
export type BeforeProviderCall = () => Promise<void>;

/** For sends outside a claimed row (a test message) and channels without a sending lease. */
export const NOTHING_TO_RENEW: BeforeProviderCall = () => Promise.resolve();

/** Another attempt took the row over while this one waited to send: nothing was sent. */
export class LeaseLost extends Error {
  constructor(notificationId: string) {
    super(`Notification ${notificationId}: another attempt took it over while this one waited to send`);
    this.name = 'LeaseLost';
  }
}

/** What a message is about, as delivery read it with the row: a channel may need it beside the rendered words (email's calendar attachment). */
export interface MessageAbout {
  type: NotificationType;
  booking: RenderBooking | null;
}

/** One delivery channel. Implementations do I/O only; deciding whether to send is not theirs. */
export abstract class ChannelSender {
  abstract readonly channel: NotificationChannel;

  /**
   * True when a send has no effect until its row records it (in-app: the row is the inbox
   * item and the push follows the record). Such a channel needs no sending lease: the
   * dispatcher's lease fences its batches and the record is the claim.
   */
  readonly recordsFirst: boolean = false;

  /** False when credentials are missing: the registry then routes to the outbox or fails. */
  abstract isConfigured(): boolean;

  /** The address of this user on this channel, or null when they cannot be reached on it. */
  abstract addressOf(user: { id: string; email: string; phone: string | null; telegramChatId: string | null; locale: string }): ChannelAddress | null;

  /** Sends or throws ChannelError (or LeaseLost from `beforeProviderCall`, which it must call right before the provider request). */
  abstract send(notificationId: string, address: ChannelAddress, message: RenderedMessage, about: MessageAbout, beforeProviderCall: BeforeProviderCall): Promise<SendReceipt>;
}
