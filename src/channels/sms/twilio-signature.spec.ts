import { isValidTwilioSignature, twilioSignature } from './twilio-signature';

describe(twilioSignature.name, () => {
  // Twilio's documented example (security docs, signature_validation snippets).
  const authToken = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };

  it("matches Twilio's documented signatures", () => {
    expect(twilioSignature(authToken, url, params)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(twilioSignature(authToken, url, { ...params, Caller: '+14158675309', From: '+14158675309' })).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('does not depend on the order the parameters arrive in', () => {
    const reversed = Object.fromEntries(Object.entries(params).reverse());
    expect(twilioSignature(authToken, url, reversed)).toBe(twilioSignature(authToken, url, params));
  });

  it('signs every value of a repeated parameter', () => {
    expect(twilioSignature(authToken, url, { A: ['2', '1'] })).toBe(twilioSignature(authToken, url + 'A1A2', {}));
  });
});

describe(isValidTwilioSignature.name, () => {
  const authToken = 'an-auth-token-of-some-length';
  const url = 'https://herald.example/twilio/status';
  const params = { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered' };
  const signature = twilioSignature(authToken, url, params);

  it('accepts the signature Twilio would send', () => {
    expect(isValidTwilioSignature(authToken, url, params, signature)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['of another length', signature + 'x'],
    ['for other parameters', twilioSignature(authToken, url, { ...params, MessageStatus: 'failed' })],
    ['for another URL', twilioSignature(authToken, 'http://127.0.0.1:3000/twilio/status', params)],
    ['made with another token', twilioSignature('another-auth-token-entirely', url, params)],
  ])('rejects a signature %s', (_case, given) => {
    expect(isValidTwilioSignature(authToken, url, params, given)).toBe(false);
  });

  it('rejects a tampered parameter', () => {
    expect(isValidTwilioSignature(authToken, url, { ...params, MessageStatus: 'undelivered' }, signature)).toBe(false);
  });
});
