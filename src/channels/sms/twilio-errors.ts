import { ChannelError } from '../../notifications/channels/channel-sender';
import { TwilioFailure } from './twilio.client';

/** Twilio error codes Herald treats specially (https://www.twilio.com/docs/api/errors). */
export enum TwilioErrorCode {
  /** Authentication failed: wrong account SID or auth token. */
  Authentication = 20003,
  TooManyRequests = 20429,
  /** Invalid 'To' phone number. */
  InvalidTo = 21211,
  /** The recipient replied STOP: unsubscribed until they send START. */
  Unsubscribed = 21610,
}

export interface MappedTwilioFailure {
  error: ChannelError;
  /** The recipient unsubscribed: SMS must be turned off for them. */
  optedOut: boolean;
}

/**
 * How delivery treats a failed Messages request. Retryable: timeouts, network errors, 429 /
 * 20429 (with Twilio's Retry-After) and 5xx. Permanent: invalid or unsubscribed recipient,
 * authentication, and any other 4xx (Twilio refuses the same request the same way again).
 */
export function mapTwilioFailure(failure: TwilioFailure): MappedTwilioFailure {
  const permanent = (error: ChannelError['message'], code: string, optedOut = false) => ({ error: ChannelError.permanent(error, code), optedOut });
  const retryable = (error: ChannelError['message'], code: string, retryAfterMs?: number) => ({
    error: ChannelError.retryable(error, retryAfterMs, code),
    optedOut: false,
  });

  switch (failure.kind) {
    case 'timeout':
      return retryable(`Twilio did not answer within ${failure.afterMs} ms`, 'timeout');
    case 'network':
      return retryable(`Twilio unreachable (${failure.message})`, 'network');
    case 'api': {
      const { httpStatus, code, retryAfterMs } = failure;
      const label = code === null ? `twilio_http_${httpStatus}` : `twilio_${code}`;
      const said = `Twilio ${httpStatus}${code === null ? '' : `/${code}`}: ${withoutNumbers(failure.message)}`;
      if (code === TwilioErrorCode.Unsubscribed) return permanent(said, label, true);
      if (code === TwilioErrorCode.InvalidTo) return permanent(said, label);
      if (httpStatus === 429 || code === TwilioErrorCode.TooManyRequests) return retryable(said, label, retryAfterMs);
      if (httpStatus === 401 || code === TwilioErrorCode.Authentication) return permanent(said, label);
      if (httpStatus >= 500) return retryable(said, label, retryAfterMs);
      return permanent(said, label);
    }
  }
}

/** Twilio's messages quote the phone number ("The 'To' number +1… is not valid"); the row keeps none. */
export function withoutNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{5,}\d/g, '[number]');
}
