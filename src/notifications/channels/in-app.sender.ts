import { Injectable } from '@nestjs/common';
import { LiveEvents } from '../../core/graphql/live-events';
import { NotificationChannel, NotificationReceived, notificationReceivedTopic } from '../notification.entity';
import { RenderedMessage } from '../rendering/message-renderer';
import { addressOn, ChannelUser } from './channel-address';
import { ChannelAddress, ChannelSender, SendReceipt } from './channel-sender';

/**
 * The in-app inbox. The notification row itself is the inbox item (delivery stores subject and
 * body on it), so sending is announcing it: `{ notificationId, recipientId }` on the
 * recipient's own `notificationReceived:<userId>` live topic, once the row records it as sent.
 */
@Injectable()
export class InAppSender extends ChannelSender {
  readonly channel = NotificationChannel.in_app;
  override readonly recordsFirst = true;

  constructor(private readonly live: LiveEvents) {
    super();
  }

  isConfigured(): boolean {
    return true;
  }

  addressOf(user: ChannelUser): ChannelAddress | null {
    return addressOn(this.channel, user);
  }

  async send(notificationId: string, address: ChannelAddress, _message: RenderedMessage): Promise<SendReceipt> {
    const event: NotificationReceived = { notificationId, recipientId: address.userId };
    return { providerMessageId: null, afterRecorded: () => this.live.publish(notificationReceivedTopic(address.userId), event) };
  }
}
