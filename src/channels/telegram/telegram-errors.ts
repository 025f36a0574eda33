import { TelegramError } from 'telegraf';
import { ChannelError } from '../../notifications/channels/channel-sender';

/** A failed Bot API call as delivery sees it, and whether the chat can no longer be written to. */
export interface TelegramFailure {
  error: ChannelError;
  /** The user blocked the bot or their account is gone: turn Telegram off for them. */
  chatUnreachable: boolean;
}

/** 403 descriptions that mean the chat will not take messages again until the user comes back. */
const UNREACHABLE = [/blocked by the user/i, /user is deactivated/i, /bot was kicked/i, /chat was deleted/i, /can't initiate conversation/i];

/**
 * Classifies a Bot API failure: 429 waits exactly as long as Telegram asks (retry_after
 * seconds); 403 (blocked, deactivated) and 400 (chat not found, bad request) are permanent;
 * 5xx, timeouts and network errors are retryable. Messages carry Telegram's description,
 * never the chat id or the token.
 */
export function classifyTelegramError(error: unknown): TelegramFailure {
  if (error instanceof TelegramError) {
    const code = error.code;
    const description = error.description ?? 'no description';
    const message = `${code}: ${description}`;
    if (code === 429) {
      const retryAfter = error.parameters?.retry_after;
      return { error: ChannelError.retryable(message, typeof retryAfter === 'number' ? retryAfter * 1000 : undefined, 'rate_limited'), chatUnreachable: false };
    }
    if (code === 403) {
      const unreachable = UNREACHABLE.some((pattern) => pattern.test(description));
      return { error: ChannelError.permanent(message, unreachable ? 'blocked' : 'forbidden'), chatUnreachable: unreachable };
    }
    if (code === 400) {
      return { error: ChannelError.permanent(message, /chat not found/i.test(description) ? 'chat_not_found' : 'bad_request'), chatUnreachable: false };
    }
    if (code === 401 || code === 404) return { error: ChannelError.permanent(message, 'unauthorized'), chatUnreachable: false };
    if (code >= 500) return { error: ChannelError.retryable(message, undefined, 'server_error'), chatUnreachable: false };
    if (code >= 400) return { error: ChannelError.permanent(message, 'rejected'), chatUnreachable: false };
    return { error: ChannelError.retryable(message, undefined, 'unexpected'), chatUnreachable: false };
  }
  const name = error instanceof Error ? error.name : typeof error;
  const timedOut = name === 'AbortError' || name === 'TimeoutError';
  // Network failures (refused, reset, DNS, timeouts): the message may quote the URL, whose path holds the token.
  return { error: ChannelError.retryable(timedOut ? 'Bot API call timed out' : `Bot API unreachable (${name})`, undefined, timedOut ? 'timeout' : 'network'), chatUnreachable: false };
}
