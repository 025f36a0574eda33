import { Injectable } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { addressOn, ChannelUser } from '../../notifications/channels/channel-address';
import { BeforeProviderCall, ChannelAddress, ChannelError, ChannelSender, MessageAbout, SendReceipt } from '../../notifications/channels/channel-sender';
import { NotificationChannel } from '../../notifications/notification.entity';
import { RenderedMessage } from '../../notifications/rendering/message-renderer';
import { UnsubscribeLinks } from '../../preferences/unsubscribe-links';
import { domainOf, isValidEmailAddress } from './email-address';
import { composeEmail } from './email-message';
import { MailTransport } from './mail-transport';

/**
 * Email over SMTP (SMTP_URL), from EMAIL_FROM. The notification's type and booking, as delivery
 * read them, decide List-Unsubscribe (a signed link to the recipient's preferences) and the
 * calendar attachment; the message itself is rendered.
 */
@Injectable()
export class EmailSender extends ChannelSender {
  readonly channel = NotificationChannel.email;
  private readonly messageIdDomain: string;

  constructor(
    private readonly config: HeraldConfig,
    private readonly transport: MailTransport,
    private readonly clock: Clock,
    private readonly unsubscribeLinks: UnsubscribeLinks,
  ) {
    super();
    this.messageIdDomain = domainOf(config.EMAIL_FROM) ?? 'herald.local';
  }

  isConfigured(): boolean {
    return !!this.config.SMTP_URL;
  }

  addressOf(user: ChannelUser): ChannelAddress | null {
    return addressOn(this.channel, user);
  }

  async send(
    notificationId: string,
    address: ChannelAddress,
    message: RenderedMessage,
    { type, booking }: MessageAbout,
    beforeProviderCall: BeforeProviderCall,
  ): Promise<SendReceipt> {
    const to = address.to.trim();
    if (!isValidEmailAddress(to)) throw ChannelError.permanent('not a valid email address', 'invalid_address');
    const mail = composeEmail({
      notificationId,
      type,
      booking,
      from: this.config.EMAIL_FROM,
      to,
      message,
      unsubscribeUrl: type ? this.unsubscribeLinks.urlFor({ userId: address.userId, type }) : undefined,
      messageIdDomain: this.messageIdDomain,
      now: this.clock.now(),
    });
    const receipt = await this.transport.send(mail, beforeProviderCall);
    return { providerMessageId: receipt.messageId };
  }
}
