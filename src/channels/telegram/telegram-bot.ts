import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { Telegram as ApiMethods, Opts } from 'telegraf/typings/core/types/typegram';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';

/** The longest a single Bot API call may take before it counts as a (retryable) timeout. */
export const CALL_TIMEOUT_MS = 15_000;

/** Updates the bot handles; everything else Telegram would send is not asked for. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/**
 * Herald's one Telegraf instance, behind an adapter: Bot API calls with a timeout, updates fed in
 * (webhook or polling), and its lifecycle. The instance is created by nestjs-telegraf
 * (TelegrafModule in TelegramModule, with `launchOptions: false`, so nestjs-telegraf never launches
 * it: Herald decides here when to poll or register a webhook) and its handlers are TelegramBotUpdate.
 *
 * Shutdown: nestjs-telegraf's own shutdown hook calls `bot.stop()` unconditionally, and Telegraf
 * throws "Bot is not running!" from it when the bot never launched (webhook, none, worker
 * processes), which would make Nest skip the remaining shutdown hooks. So the instance's `stop` is
 * replaced by one that stops only polling this adapter started, once, and never throws.
 *
 * No TELEGRAM_BOT_TOKEN: no TelegrafModule, no bot; the sender is "not configured" and nothing is received.
 *
 * Receiving updates (TELEGRAM_UPDATES):
 * - `webhook`: Telegram POSTs to PUBLIC_BASE_URL/telegram/webhook (TelegramWebhookController on
 *   API processes); at start-up the API registers that URL with setWebhook when PUBLIC_BASE_URL is set.
 * - `polling`: long polling with getUpdates, started only in a process that runs the API role.
 *   Telegram allows ONE getUpdates consumer per bot (a second gets 409 Conflict), so in polling
 *   mode run a single API process (e.g. development, HERALD_ROLE=all); scale out with webhooks.
 * - `none`: send only (the CLI always runs this way).
 */
@Injectable()
export class TelegramBot implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TelegramBot.name);
  /** Null without a token. */
  readonly telegraf: Telegraf | null;
  private polling = false;

  constructor(
    private readonly config: HeraldConfig,
    @Optional() @InjectBot() bot?: Telegraf,
  ) {
    this.telegraf = bot ?? null;
    if (!bot) return;
    const stop = bot.stop.bind(bot);
    bot.stop = (reason?: string) => this.stopPolling(stop, reason);
    bot.catch((error, ctx) => {
      this.logger.error(`Telegram update ${ctx.update.update_id} failed: ${error instanceof Error ? error.name : String(error)}`, error instanceof Error ? error.stack : undefined);
    });
  }

  get configured(): boolean {
    return this.telegraf !== null;
  }

  /** One Bot API call, aborted after CALL_TIMEOUT_MS. Throws telegraf's TelegramError for `ok: false`. */
  call<M extends keyof ApiMethods>(method: M, payload: Opts<M>): Promise<ReturnType<ApiMethods[M]>> {
    if (!this.telegraf) throw new Error('Telegram is not configured');
    // Node's AbortSignal; telegraf's typings name the abort-controller polyfill's, which node-fetch accepts alike.
    const signal = AbortSignal.timeout(CALL_TIMEOUT_MS) as unknown as NonNullable<Parameters<typeof this.telegraf.telegram.callApi>[2]>['signal'];
    return this.telegraf.telegram.callApi(method, payload, { signal });
  }

  /** Feeds one update to the handlers; handler errors are logged by the bot's catch, never thrown. */
  async handleUpdate(update: Update): Promise<void> {
    if (!this.telegraf) return;
    await this.telegraf.handleUpdate(update);
  }

  onApplicationBootstrap(): void {
    if (!this.telegraf || !this.config.runs(ProcessRole.Api)) return;
    if (this.config.TELEGRAM_UPDATES === 'polling') this.startPolling(this.telegraf);
    if (this.config.TELEGRAM_UPDATES === 'webhook') void this.registerWebhook(this.telegraf);
  }

  /** Whichever of this hook and nestjs-telegraf's runs first stops polling; the other does nothing. */
  onApplicationShutdown(): void {
    this.telegraf?.stop('shutdown');
  }

  /** The bot's `stop`: stops polling if this adapter started it and it still runs; never throws. */
  private stopPolling(stop: (reason?: string) => void, reason = 'shutdown'): void {
    if (!this.polling) return;
    this.polling = false;
    try {
      stop(reason);
    } catch (error) {
      // "Bot is not running!" when polling never got going; nothing to stop then.
      this.logger.debug(`Telegram bot stop: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private startPolling(telegraf: Telegraf): void {
    this.polling = true;
    // launch() resolves only when polling ends, so it is not awaited: start-up goes on.
    telegraf.launch({ allowedUpdates: [...ALLOWED_UPDATES] }).then(
      () => this.logger.log('Telegram polling stopped'),
      (error: unknown) => {
        this.polling = false;
        this.logger.error(`Telegram polling failed: ${describe(error)}`);
      },
    );
    this.logger.log('Telegram: receiving updates by long polling (run only one such process per bot)');
  }

  private async registerWebhook(telegraf: Telegraf): Promise<void> {
    if (!this.config.PUBLIC_BASE_URL) {
      this.logger.warn('Telegram webhook mode without PUBLIC_BASE_URL: set the webhook yourself (setWebhook to <base>/telegram/webhook)');
      return;
    }
    const url = new URL('telegram/webhook', this.config.PUBLIC_BASE_URL.endsWith('/') ? this.config.PUBLIC_BASE_URL : `${this.config.PUBLIC_BASE_URL}/`).toString();
    try {
      await telegraf.telegram.setWebhook(url, { secret_token: this.config.TELEGRAM_WEBHOOK_SECRET, allowed_updates: [...ALLOWED_UPDATES] });
      this.logger.log(`Telegram webhook set to ${url}`);
    } catch (error) {
      this.logger.error(`Telegram setWebhook failed: ${describe(error)}`);
    }
  }
}

/** An error for the logs without its message's URL, whose path carries the bot token. */
function describe(error: unknown): string {
  if (error instanceof Error && 'response' in error) return error.message;
  return error instanceof Error ? error.name : String(error);
}
