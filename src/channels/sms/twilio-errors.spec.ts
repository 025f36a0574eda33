import { ChannelError } from '../../notifications/channels/channel-sender';
import { mapTwilioFailure, withoutNumbers } from './twilio-errors';
import { parseRetryAfter, TwilioFailure } from './twilio.client';

const api = (httpStatus: number, code: number | null, retryAfterMs?: number): TwilioFailure => ({
  kind: 'api',
  httpStatus,
  code,
  message: 'as Twilio said it',
  retryAfterMs,
});

describe(mapTwilioFailure.name, () => {
  it.each([
    ['21211 invalid To', api(400, 21211), 'twilio_21211'],
    ['20003 authentication', api(401, 20003), 'twilio_20003'],
    ['401 without a code', api(401, null), 'twilio_http_401'],
    ['20003 with another status', api(403, 20003), 'twilio_20003'],
    ['another 4xx (21408 region not enabled)', api(400, 21408), 'twilio_21408'],
    ['404 wrong account', api(404, 20404), 'twilio_20404'],
  ])('fails permanently on %s', (_case, failure, code) => {
    const { error, optedOut } = mapTwilioFailure(failure);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ retryable: false, code, retryAfterMs: undefined });
    expect(optedOut).toBe(false);
  });

  it('fails permanently on 21610 and reports the opt-out', () => {
    expect(mapTwilioFailure(api(400, 21610))).toMatchObject({ error: { retryable: false, code: 'twilio_21610' }, optedOut: true });
  });

  it.each([
    ['HTTP 429 with Retry-After', api(429, 20429, 30_000), 'twilio_20429', 30_000],
    ['code 20429 under another status', api(400, 20429), 'twilio_20429', undefined],
    ['HTTP 429 without a code', api(429, null), 'twilio_http_429', undefined],
    ['500', api(500, 20500), 'twilio_20500', undefined],
    ['503 with Retry-After', api(503, null, 5_000), 'twilio_http_503', 5_000],
    ['a timeout', { kind: 'timeout', afterMs: 10_000 } as TwilioFailure, 'timeout', undefined],
    ['a network error', { kind: 'network', message: 'ECONNREFUSED' } as TwilioFailure, 'network', undefined],
  ])('retries %s', (_case, failure, code, retryAfterMs) => {
    const { error, optedOut } = mapTwilioFailure(failure);
    expect(error).toMatchObject({ retryable: true, code, retryAfterMs });
    expect(optedOut).toBe(false);
  });

  it("keeps Twilio's words but not the phone number they quote", () => {
    const { error } = mapTwilioFailure({ kind: 'api', httpStatus: 400, code: 21211, message: "The 'To' number +998 90 123-45-00 is not a valid phone number." });
    expect(error.message).toBe("Twilio 400/21211: The 'To' number [number] is not a valid phone number.");
  });
});

describe(withoutNumbers.name, () => {
  it('leaves short numbers such as error codes alone', () => {
    expect(withoutNumbers('error 30003 for +14155552671')).toBe('error 30003 for [number]');
  });
});

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2031-01-10T09:00:00Z');
  it.each([
    [null, undefined],
    ['', undefined],
    ['soon', undefined],
    ['1', 1000],
    ['2.5', 2500],
    ['Fri, 10 Jan 2031 09:00:30 GMT', 30_000],
    ['Fri, 10 Jan 2031 08:59:00 GMT', 0],
  ])('reads %p as %p ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
