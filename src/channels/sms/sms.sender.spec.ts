import { loadConfig } from '../../core/config/herald-config';
import { ChannelError, LeaseLost, MessageAbout, NOTHING_TO_RENEW } from '../../notifications/channels/channel-sender';
import { NotificationType } from '../../notifications/notification.entity';
import { isE164Phone } from '../../core/validation/validators';
import { MAX_SMS_LENGTH, SmsSender, smsBody } from './sms.sender';
import { SmsStore } from './sms.store';
import { TwilioClient, TwilioMessageRequest, TwilioRequestError } from './twilio.client';

const TWILIO = { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'a-twilio-auth-token', TWILIO_FROM: '+15005550006' };
const user = { id: 'u1', email: 'u1@herald.test', phone: '+998901234500', telegramChatId: null, locale: 'en' };
const message = { subject: 'Reminder', text: '  Your Haircut starts at 09:00.\n' };
const ABOUT: MessageAbout = { type: NotificationType.booking_reminder, booking: null };

function setup(env: Record<string, string> = TWILIO) {
  const config = loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), ...env });
  const requests: TwilioMessageRequest[] = [];
  const twilio = new TwilioClient(config);
  let outcome: () => Promise<{ sid: string; status: string }> = async () => ({ sid: 'SM1', status: 'queued' });
  twilio.createMessage = async (request) => {
    requests.push(request);
    return outcome();
  };
  const turnedOff: string[] = [];
  const store = { turnOffSms: async (userId: string) => (turnedOff.push(userId), true) } as unknown as SmsStore;
  const sut = new SmsSender(config, twilio, store);
  return { sut, requests, turnedOff, failWith: (error: unknown) => (outcome = () => Promise.reject(error)) };
}

describe(SmsSender.name, () => {
  it('is configured only with account SID, auth token and sender', () => {
    expect(setup().sut.isConfigured()).toBe(true);
    expect(setup({}).sut.isConfigured()).toBe(false);
  });

  it("addresses the user's phone, unless they have none or SMS is off", () => {
    const { sut } = setup();
    expect(sut.addressOf(user)).toEqual({ userId: 'u1', to: '+998901234500', locale: 'en' });
    expect(sut.addressOf({ ...user, phone: null })).toBeNull();
    expect(sut.addressOf({ ...user, smsOffAt: new Date() })).toBeNull();
  });

  it('sends the trimmed text with a status callback under PUBLIC_BASE_URL naming the notification, and returns the SID', async () => {
    const { sut, requests } = setup({ ...TWILIO, PUBLIC_BASE_URL: 'https://herald.example/' });
    await expect(sut.send('n1', sut.addressOf(user)!, message, ABOUT, NOTHING_TO_RENEW)).resolves.toEqual({ providerMessageId: 'SM1' });
    expect(requests).toEqual([{ to: '+998901234500', body: 'Your Haircut starts at 09:00.', statusCallback: 'https://herald.example/twilio/status?notification=n1' }]);
  });

  it('asks for no status callback without PUBLIC_BASE_URL', async () => {
    const { sut, requests } = setup();
    await sut.send('n1', sut.addressOf(user)!, message, ABOUT, NOTHING_TO_RENEW);
    expect(requests[0].statusCallback).toBeUndefined();
  });

  it('refuses an invalid number before calling Twilio', async () => {
    const { sut, requests } = setup();
    await expect(sut.send('n1', { userId: 'u1', to: '+99812', locale: 'en' }, message, ABOUT, NOTHING_TO_RENEW)).rejects.toMatchObject({ retryable: false, code: 'invalid_phone' });
    expect(requests).toHaveLength(0);
  });

  it('turns SMS off for the user on 21610', async () => {
    const { sut, turnedOff, failWith } = setup();
    failWith(new TwilioRequestError({ kind: 'api', httpStatus: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' }));
    await expect(sut.send('n1', sut.addressOf(user)!, message, ABOUT, NOTHING_TO_RENEW)).rejects.toBeInstanceOf(ChannelError);
    expect(turnedOff).toEqual(['u1']);
  });

  it('renews the lease right before calling Twilio, and calls nothing when another attempt has the row', async () => {
    const { sut, requests } = setup();
    const order: string[] = [];
    await sut.send('n1', sut.addressOf(user)!, message, ABOUT, async () => void order.push(`renewed with ${requests.length} requests`));
    expect(order).toEqual(['renewed with 0 requests']);
    expect(requests).toHaveLength(1);
    const lost = new LeaseLost('n2');
    await expect(sut.send('n2', sut.addressOf(user)!, message, ABOUT, () => Promise.reject(lost))).rejects.toBe(lost);
    expect(requests).toHaveLength(1);
  });

  it('lets an unexpected error through untouched', async () => {
    const { sut, failWith } = setup();
    const bug = new TypeError('bug');
    failWith(bug);
    await expect(sut.send('n1', sut.addressOf(user)!, message, ABOUT, NOTHING_TO_RENEW)).rejects.toBe(bug);
  });
});

describe(smsBody.name, () => {
  it('cuts long texts with an ellipsis, never splitting a character', () => {
    const long = '😀'.repeat(MAX_SMS_LENGTH + 10);
    const body = smsBody(long);
    expect(Array.from(body)).toHaveLength(MAX_SMS_LENGTH);
    expect(body.endsWith('😀…')).toBe(true);
  });
});

describe(isE164Phone.name, () => {
  it.each([
    ['+998901234500', true],
    ['+14155552671', true],
    ['998901234500', false],
    ['+998 90 123 45 00', false],
    ['+99890123450', false],
    ['+0123456789', false],
  ])('%s → %s', (phone, valid) => expect(isE164Phone(phone)).toBe(valid));
});
