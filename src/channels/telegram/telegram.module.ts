import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { BookingsModule } from '../../bookings/bookings.module';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { Notification } from '../../notifications/notification.entity';
import { User } from '../../users/user.entity';
import { TelegramLinkToken } from './telegram-link-token.entity';
import { TelegramBot } from './telegram-bot';
import { TelegramLinkResolver } from './telegram-link.resolver';
import { TelegramLinks } from './telegram-links';
import { TelegramUpdates } from './telegram-updates';
import { TelegramWebhookController } from './telegram-webhook.controller';
import { TelegramSender } from './telegram.sender';

/**
 * The Telegram channel: the sender (discovered by the notification engine's registry), account
 * linking (`telegramLinkUrl` and /start), and the bot's commands and buttons. Telegraf is used
 * directly behind TelegramBot (see there for the update modes). The webhook endpoint exists only
 * on API processes in webhook mode with a token.
 */
@Module({})
export class TelegramModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    const webhook = config.runs(ProcessRole.Api) && config.TELEGRAM_UPDATES === 'webhook' && !!config.TELEGRAM_BOT_TOKEN;
    return {
      module: TelegramModule,
      imports: [MikroOrmModule.forFeature([TelegramLinkToken, User, Notification]), BookingsModule],
      controllers: webhook ? [TelegramWebhookController] : [],
      providers: [TelegramBot, TelegramLinks, TelegramSender, TelegramUpdates, TelegramLinkResolver],
      exports: [TelegramBot, TelegramLinks, TelegramSender],
    };
  }
}
