import { Injectable, Logger } from '@nestjs/common';
import { HeraldConfig } from '../../core/config/herald-config';
import { isE164Phone } from '../../core/validation/validators';
import { addressOn, ChannelUser } from '../../notifications/channels/channel-address';
import { BeforeProviderCall, ChannelAddress, ChannelError, ChannelSender, MessageAbout, SendReceipt } from '../../notifications/channels/channel-sender';
import { NotificationChannel } from '../../notifications/notification.entity';
import { RenderedMessage } from '../../notifications/rendering/message-renderer';
import { SmsStore } from './sms.store';
import { mapTwilioFailure } from './twilio-errors';
import { TwilioClient, TwilioRequestError } from './twilio.client';

/**
 * Longest SMS body Herald sends, in characters: 5 GSM-7 segments (12 when the text needs
 * UCS-2, as Cyrillic does). Twilio accepts up to 1600; a reminder has no business being longer.
 */
export const MAX_SMS_LENGTH = 765;

/** Path of the status callback controller, below PUBLIC_BASE_URL. */
export const TWILIO_STATUS_PATH = '/twilio/status';
/** The status callback's query parameter naming the notification. */
export const STATUS_NOTIFICATION_PARAM = 'notification';

/** Sends notifications as SMS through Twilio's Messages API. */
@Injectable()
export class SmsSender extends ChannelSender {
  readonly channel = NotificationChannel.sms;
  private readonly logger = new Logger(SmsSender.name);

  constructor(
    private readonly config: HeraldConfig,
    private readonly twilio: TwilioClient,
    private readonly store: SmsStore,
  ) {
    super();
  }

  isConfigured(): boolean {
    return this.twilio.configured;
  }

  /** The user's phone, unless SMS is turned off for them (they unsubscribed). */
  addressOf(user: ChannelUser): ChannelAddress | null {
    return addressOn(this.channel, user);
  }

  async send(notificationId: string, address: ChannelAddress, message: RenderedMessage, _about: MessageAbout, beforeProviderCall: BeforeProviderCall): Promise<SendReceipt> {
    if (!isE164Phone(address.to)) throw ChannelError.permanent('the phone number is not a valid E.164 number', 'invalid_phone');
    await beforeProviderCall();
    try {
      const sent = await this.twilio.createMessage({ to: address.to, body: smsBody(message.text), statusCallback: this.statusCallbackUrl(notificationId) });
      if (!sent.sid) this.logger.warn(`Notification ${notificationId}: Twilio accepted the message but named no SID`);
      return { providerMessageId: sent.sid || null };
    } catch (error) {
      if (!(error instanceof TwilioRequestError)) throw error;
      const { error: channelError, optedOut } = mapTwilioFailure(error.failure);
      if (optedOut && (await this.store.turnOffSms(address.userId))) {
        this.logger.log(`User ${address.userId} unsubscribed from SMS (Twilio 21610); SMS turned off`);
      }
      throw channelError;
    }
  }

  /**
   * Where Twilio reports on the message. It names the notification, so a report can settle a
   * row whose send Herald never heard back about (see SmsStore.recordDeliveryStatus); Twilio
   * signs the whole URL, so the name cannot be forged.
   */
  private statusCallbackUrl(notificationId: string): string | undefined {
    const base = this.config.PUBLIC_BASE_URL;
    return base ? `${base.replace(/\/+$/, '')}${TWILIO_STATUS_PATH}?${STATUS_NOTIFICATION_PARAM}=${encodeURIComponent(notificationId)}` : undefined;
  }
}

/** The message text as an SMS: trimmed, and cut at MAX_SMS_LENGTH characters (never inside a surrogate pair). */
export function smsBody(text: string): string {
  const trimmed = text.trim();
  const chars = Array.from(trimmed);
  return chars.length <= MAX_SMS_LENGTH ? trimmed : `${chars.slice(0, MAX_SMS_LENGTH - 1).join('').trimEnd()}…`;
}
