import { Injectable } from '@nestjs/common';
import { parseDuration } from '../../core/config/duration';
import { HeraldConfig } from '../../core/config/herald-config';
import { RedisConnections, sameSlotPrefix } from '../../core/redis/redis.module';
import { SendLimits, SendRateLimiter } from './send-rate-limiter';
import { CALL_TIMEOUT_MS } from './telegram-bot';

/** The bot's id: the number before the token's ':', which names the bot without revealing its secret. */
export function botIdOf(token: string): string {
  return token.slice(0, token.indexOf(':'));
}

/**
 * Telegram's sending limits, shared by every Herald process of one bot through Redis:
 * TELEGRAM_MAX_PER_SECOND messages per second to all chats together, and one per chat every
 * TELEGRAM_PER_CHAT_INTERVAL. State under `<REDIS_KEY_PREFIX>:tg-limit:<bot id>:` (on a cluster
 * `{<REDIS_KEY_PREFIX>}:…`, so its scripts find all their keys in one slot). The Redis connection
 * is opened by the first send, so processes that never send (API only) hold none.
 */
@Injectable()
export class TelegramSendLimits {
  private limiter: SendRateLimiter | null = null;
  private readonly limits: SendLimits;

  constructor(
    private readonly config: HeraldConfig,
    private readonly connections: RedisConnections,
  ) {
    this.limits = {
      maxPerWindow: config.TELEGRAM_MAX_PER_SECOND,
      windowMs: 1000,
      perChatIntervalMs: parseDuration(config.TELEGRAM_PER_CHAT_INTERVAL),
      // A Bot API call is aborted after CALL_TIMEOUT_MS; twice that covers the limiter's own round trips.
      leaseMs: 2 * CALL_TIMEOUT_MS,
    };
  }

  /** Runs `send` to `chatId` once the limits allow it. */
  run<T>(chatId: string, send: () => Promise<T>): Promise<T> {
    const token = this.config.TELEGRAM_BOT_TOKEN;
    // Without a bot nothing reaches Telegram (TelegramBot refuses the call): nothing to pace.
    if (!token) return send();
    this.limiter ??= new SendRateLimiter(this.connections.open('telegram-limiter'), `${sameSlotPrefix(this.config)}:tg-limit:${botIdOf(token)}`, this.limits);
    return this.limiter.run(chatId, send);
  }
}
