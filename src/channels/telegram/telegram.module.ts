import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { DynamicModule, Module } from '@nestjs/common';
import { TelegrafModule, TelegrafModuleOptions } from 'nestjs-telegraf';
import { BookingsModule } from '../../bookings/bookings.module';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { Notification } from '../../notifications/notification.entity';
import { User } from '../../users/user.entity';
import { TelegramLinkToken } from './telegram-link-token.entity';
import { TelegramBot } from './telegram-bot';
import { TelegramLinkResolver } from './telegram-link.resolver';
import { TelegramLinks } from './telegram-links';
import { TelegramSendLimits } from './telegram-send-limits';
import { TelegramUpdates } from './telegram-updates';
import { TelegramWebhookController } from './telegram-webhook.controller';
import { TelegramBotUpdate } from './telegram.update';
import { TelegramSender } from './telegram.sender';

/** Longest an update's handlers may run. */
const HANDLER_TIMEOUT_MS = 30_000;

/**
 * The Telegram channel: the sender (discovered by the notification engine's registry), account
 * linking (`telegramLinkUrl` and /start), and the bot's commands and buttons (TelegramBotUpdate).
 * With TELEGRAM_BOT_TOKEN the bot is created by nestjs-telegraf, never launched by it: TelegramBot
 * (see there for the update modes and shutdown) decides when to poll or set the webhook. Without a
 * token there is no TelegrafModule and no bot. The webhook endpoint exists only on API processes in
 * webhook mode with a token.
 */
@Module({})
export class TelegramModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    const token = config.TELEGRAM_BOT_TOKEN;
    const webhook = config.runs(ProcessRole.Api) && config.TELEGRAM_UPDATES === 'webhook' && !!token;
    return {
      module: TelegramModule,
      imports: [
        MikroOrmModule.forFeature([TelegramLinkToken, User, Notification]),
        BookingsModule,
        ...(token
          ? [
              TelegrafModule.forRootAsync({
                inject: [MikroORM],
                useFactory: (orm: MikroORM): TelegrafModuleOptions => ({
                  token,
                  launchOptions: false,
                  include: [TelegramModule],
                  options: {
                    // webhookReply off: every reply is a real API call, even for updates that came by webhook.
                    telegram: { apiRoot: config.TELEGRAM_API_ROOT, webhookReply: false },
                    handlerTimeout: HANDLER_TIMEOUT_MS,
                  },
                  // Updates arrive outside any request: each gets its own ORM context.
                  middlewares: [(_ctx, next) => RequestContext.create(orm.em, next)],
                }),
              }),
            ]
          : []),
      ],
      controllers: webhook ? [TelegramWebhookController] : [],
      providers: [TelegramBot, TelegramLinks, TelegramSendLimits, TelegramSender, TelegramUpdates, TelegramLinkResolver, ...(token ? [TelegramBotUpdate] : [])],
      exports: [TelegramBot, TelegramLinks, TelegramSender],
    };
  }
}
