import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import { addressOn, ChannelUser } from '../../notifications/channels/channel-address';
import { BeforeProviderCall, ChannelAddress, ChannelSender, LeaseLost, MessageAbout, SendReceipt } from '../../notifications/channels/channel-sender';
import { Notification, NotificationChannel } from '../../notifications/notification.entity';
import { RenderedMessage } from '../../notifications/rendering/message-renderer';
import { buttonsFor } from './booking-buttons';
import { TelegramBot } from './telegram-bot';
import { classifyTelegramError } from './telegram-errors';
import { toTelegramHtml } from './telegram-format';
import { TelegramLinks } from './telegram-links';
import { TelegramSendLimits } from './telegram-send-limits';
import { botTexts } from './telegram-texts';

/**
 * Sends notifications to linked Telegram chats: HTML parse mode (subject in bold), booking
 * buttons where the recipient can act (see `buttonsFor`), paced by TelegramSendLimits across all
 * processes. The provider message id is `<chatId>:<messageId>`.
 */
@Injectable()
export class TelegramSender extends ChannelSender {
  readonly channel = NotificationChannel.telegram;
  private readonly logger = new Logger(TelegramSender.name);

  constructor(
    private readonly bot: TelegramBot,
    private readonly links: TelegramLinks,
    private readonly limits: TelegramSendLimits,
    private readonly em: EntityManager,
  ) {
    super();
  }

  isConfigured(): boolean {
    return this.bot.configured;
  }

  /** The linked chat, unless the user turned Telegram off (/stop) or blocked the bot. */
  addressOf(user: ChannelUser): ChannelAddress | null {
    return addressOn(this.channel, user);
  }

  async send(notificationId: string, address: ChannelAddress, message: RenderedMessage, _about: MessageAbout, beforeProviderCall: BeforeProviderCall): Promise<SendReceipt> {
    const replyMarkup = await this.buttonsOf(notificationId, address);
    try {
      // The lease is renewed once the bot's rate limit has given this message its slot: that wait may be long.
      const sent = await this.limits.run(address.to, async () => {
        await beforeProviderCall();
        return this.bot.call('sendMessage', {
          chat_id: address.to,
          text: toTelegramHtml(message),
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(replyMarkup ? { reply_markup: replyMarkup } : {}),
        });
      });
      return { providerMessageId: `${sent.chat.id}:${sent.message_id}` };
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      const failure = classifyTelegramError(error);
      if (failure.chatUnreachable) {
        await this.links.markUnreachable(address.userId, address.to);
        this.logger.warn(`Telegram unreachable for user ${address.userId} (${failure.error.code}); Telegram turned off for them`);
      }
      throw failure.error;
    }
  }

  /** Buttons for the notification's booking, read from its row; none when there is no booking to act on. */
  private async buttonsOf(notificationId: string, address: ChannelAddress): Promise<InlineKeyboardMarkup | undefined> {
    const row = await this.em.fork().findOne(Notification, { id: notificationId }, { populate: ['booking'] });
    const booking = row?.booking;
    if (!row || !booking) return undefined;
    const recipientId = row.recipient.id;
    const recipientIs = recipientId === booking.customer.id ? 'customer' : recipientId === booking.provider.id ? 'provider' : 'other';
    return buttonsFor({ type: row.type, recipientIs, status: booking.status, bookingId: booking.id }, botTexts(address.locale).texts);
  }
}
