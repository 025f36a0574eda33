import { createHmac, timingSafeEqual } from 'node:crypto';

/** The POST parameters of a Twilio webhook, as form-decoded (a repeated key gives a list). */
export type TwilioParams = Record<string, string | readonly string[]>;

/**
 * X-Twilio-Signature as Twilio computes it: HMAC-SHA1 keyed with the auth token over the full
 * URL Twilio called (scheme, host, path, query), followed by every POST parameter sorted by
 * name, each name directly followed by its value; base64.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  const data = Object.keys(params)
    .sort()
    .reduce((signed, key) => {
      const value = params[key];
      const values = typeof value === 'string' ? [value] : [...value].sort();
      return signed + values.map((one) => key + one).join('');
    }, url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Whether `signature` is Twilio's for this request; compared in constant time. */
export function isValidTwilioSignature(authToken: string, url: string, params: TwilioParams, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
