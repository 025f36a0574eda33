import { Body, Controller, Headers, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Update } from 'telegraf/types';
import { Public } from '../../auth/access.decorators';
import { HeraldConfig } from '../../core/config/herald-config';
import { TelegramBot } from './telegram-bot';

/**
 * Where Telegram delivers updates in webhook mode (TELEGRAM_UPDATES=webhook). Public, but only
 * calls carrying TELEGRAM_WEBHOOK_SECRET in X-Telegram-Bot-Api-Secret-Token are handled. The
 * update is handled before answering 200; a handler's failure is logged and still answered 200,
 * since Telegram would otherwise redeliver the same update again and again.
 */
@Controller('telegram')
export class TelegramWebhookController {
  private readonly secret: Buffer;

  constructor(
    config: HeraldConfig,
    private readonly bot: TelegramBot,
  ) {
    this.secret = Buffer.from(config.TELEGRAM_WEBHOOK_SECRET ?? '');
  }

  @Post('webhook')
  @Public()
  @HttpCode(200)
  async receive(@Headers('x-telegram-bot-api-secret-token') secret: string | undefined, @Body() update: Update): Promise<{ ok: true }> {
    if (!this.matches(secret)) throw new UnauthorizedException('bad or missing secret token');
    if (update && typeof update.update_id === 'number') await this.bot.handleUpdate(update);
    return { ok: true };
  }

  private matches(secret: string | undefined): boolean {
    if (!secret || this.secret.length === 0) return false;
    const given = Buffer.from(secret);
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }
}
