import { TelegramError } from 'telegraf';
import { ChannelError } from '../../notifications/channels/channel-sender';
import { classifyTelegramError } from './telegram-errors';

const apiError = (error_code: number, description: string, parameters?: { retry_after?: number }) =>
  new TelegramError({ error_code, description, ...(parameters ? { parameters } : {}) });

describe(classifyTelegramError.name, () => {
  it('makes 429 retryable after exactly retry_after seconds', () => {
    const { error, chatUnreachable } = classifyTelegramError(apiError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }));
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 7000, code: 'rate_limited' });
    expect(chatUnreachable).toBe(false);
  });

  it('makes a blocked bot or deactivated user permanent and the chat unreachable', () => {
    for (const description of ['Forbidden: bot was blocked by the user', 'Forbidden: user is deactivated']) {
      const { error, chatUnreachable } = classifyTelegramError(apiError(403, description));
      expect(error).toMatchObject({ retryable: false, code: 'blocked', message: `403: ${description}` });
      expect(chatUnreachable).toBe(true);
    }
  });

  it('makes 400 chat not found and other bad requests permanent, without turning the chat off', () => {
    expect(classifyTelegramError(apiError(400, 'Bad Request: chat not found'))).toEqual({
      error: expect.objectContaining({ retryable: false, code: 'chat_not_found' }),
      chatUnreachable: false,
    });
    expect(classifyTelegramError(apiError(400, "Bad Request: can't parse entities")).error).toMatchObject({ retryable: false, code: 'bad_request' });
    expect(classifyTelegramError(apiError(401, 'Unauthorized')).error).toMatchObject({ retryable: false, code: 'unauthorized' });
  });

  it('retries 5xx, timeouts and network failures, without quoting the URL', () => {
    expect(classifyTelegramError(apiError(502, 'Bad Gateway')).error).toMatchObject({ retryable: true, code: 'server_error', retryAfterMs: undefined });
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    expect(classifyTelegramError(abort).error).toMatchObject({ retryable: true, code: 'timeout' });
    const refused = Object.assign(new Error('request to http://x/bot123:SECRET/sendMessage failed'), { name: 'FetchError' });
    const network = classifyTelegramError(refused).error;
    expect(network).toMatchObject({ retryable: true, code: 'network' });
    expect(network.message).not.toContain('SECRET');
  });
});
