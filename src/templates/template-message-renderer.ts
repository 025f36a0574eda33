import { Injectable } from '@nestjs/common';
import { Clock } from '../core/clock/clock';
import { ChannelError } from '../notifications/channels/channel-sender';
import { NotificationChannel } from '../notifications/notification.entity';
import { MessageRenderer, RenderContext, RenderedMessage } from '../notifications/rendering/message-renderer';
import { NoTemplateRendered, TemplateLibrary } from './template-library';

/**
 * Delivery's renderer: the message from the first template of the fallback chain that renders.
 * When none does, the notification fails for good on this channel (its fallback channel takes
 * over), with the reasons: never a blank or half-filled message.
 */
@Injectable()
export class TemplateMessageRenderer extends MessageRenderer {
  constructor(
    private readonly library: TemplateLibrary,
    private readonly clock: Clock,
  ) {
    super();
  }

  async render(context: RenderContext, channel: NotificationChannel): Promise<RenderedMessage> {
    try {
      return this.library.render(context, channel, this.clock.now()).message;
    } catch (error) {
      if (error instanceof NoTemplateRendered) throw ChannelError.permanent(error.message, 'template_failed');
      throw error;
    }
  }
}
