import { loadConfig } from '../../core/config/herald-config';
import { NotificationChannel, NotificationType } from '../notification.entity';
import { channelOrdersFrom, fallbackDedupKey, nextFallbackChannel, reachableAtSendTime } from './fallback';

const { telegram, email, sms, in_app } = NotificationChannel;
const reachable = { telegramChatId: '1001', telegramOffAt: null, email: 'kamola@example.com', phone: '+998901234567', smsOffAt: null };
const ORDER = [telegram, sms, email] as const;

describe(nextFallbackChannel.name, () => {
  it('takes the next channel of the order after the current one', () => {
    expect(nextFallbackChannel({ order: ORDER, current: telegram, tried: [telegram], recipient: reachable })).toBe(sms);
    expect(nextFallbackChannel({ order: ORDER, current: sms, tried: [telegram, sms], recipient: reachable })).toBe(email);
  });

  it('skips channels the recipient cannot be reached on (no address, switched off)', () => {
    expect(nextFallbackChannel({ order: ORDER, current: telegram, tried: [telegram], recipient: { ...reachable, phone: null } })).toBe(email);
    expect(nextFallbackChannel({ order: ORDER, current: telegram, tried: [telegram], recipient: { ...reachable, smsOffAt: new Date() } })).toBe(email);
  });

  it('gives nothing after the last channel, from in-app, or when only tried channels are left', () => {
    expect(nextFallbackChannel({ order: ORDER, current: email, tried: [email], recipient: reachable })).toBeNull();
    expect(nextFallbackChannel({ order: ORDER, current: in_app, tried: [in_app], recipient: reachable })).toBeNull();
    expect(nextFallbackChannel({ order: ORDER, current: sms, tried: [sms, email], recipient: reachable })).toBeNull();
  });

  it('never goes back to a channel before the current one', () => {
    // Planned on email because Telegram was not linked then; Telegram linked since.
    expect(nextFallbackChannel({ order: [telegram, email], current: email, tried: [email], recipient: reachable })).toBeNull();
  });

  it('considers the whole order, minus the chain, when the current channel is not in it (setting changed)', () => {
    expect(nextFallbackChannel({ order: [telegram, email], current: sms, tried: [sms], recipient: reachable })).toBe(telegram);
    expect(nextFallbackChannel({ order: [telegram, email], current: sms, tried: [sms, telegram], recipient: reachable })).toBe(email);
  });
});

describe(reachableAtSendTime.name, () => {
  it('applies the planning rule; in-app always reaches', () => {
    expect(reachableAtSendTime(telegram, { ...reachable, telegramOffAt: new Date() })).toBe(false);
    expect(reachableAtSendTime(telegram, { ...reachable, telegramChatId: null })).toBe(false);
    expect(reachableAtSendTime(email, reachable)).toBe(true);
    expect(reachableAtSendTime(in_app, { ...reachable, telegramChatId: null, phone: null })).toBe(true);
  });
});

describe(fallbackDedupKey.name, () => {
  const previous = { id: 'n1', type: NotificationType.booking_reminder, offsetSeconds: 3600, bookingVersion: 2, payload: {}, bookingId: 'bk', recipientId: 'cust' };

  it("is the key planning gives the same message on the new channel", () => {
    expect(fallbackDedupKey(previous, email)).toBe('bk:booking_reminder:60:email:cust:v2');
    expect(fallbackDedupKey({ ...previous, offsetSeconds: 20 }, email)).toBe('bk:booking_reminder:20s:email:cust:v2');
  });

  it("is the agenda key for a provider's agenda, and a key of its own for unkeyed rows", () => {
    const agenda = { ...previous, type: NotificationType.provider_daily_agenda, bookingId: null, bookingVersion: null, offsetSeconds: 0, payload: { agendaDate: '2026-11-25' } };
    expect(fallbackDedupKey(agenda, sms)).toBe('agenda:cust:2026-11-25:sms');
    expect(fallbackDedupKey({ ...agenda, payload: {} }, sms)).toBe('fallback:n1:sms');
  });
});

describe(channelOrdersFrom.name, () => {
  const env = { AUTH_JWT_SECRET: 'a-secret-that-is-at-least-32-characters' };

  it('reads NOTIFY_CHANNELS and NOTIFY_CHANNELS_BY_TYPE', () => {
    expect(channelOrdersFrom(loadConfig({ ...env, NOTIFY_CHANNELS: 'email,sms', NOTIFY_CHANNELS_BY_TYPE: 'booking_reminder=telegram,email' }))).toEqual({
      channels: [email, sms],
      channelsByType: { booking_reminder: [telegram, email] },
    });
  });

  it('throws naming NOTIFY_CHANNELS_BY_TYPE on an unknown type', () => {
    expect(() => channelOrdersFrom(loadConfig({ ...env, NOTIFY_CHANNELS_BY_TYPE: 'booking_reminders=email' }))).toThrow(
      'NOTIFY_CHANNELS_BY_TYPE: unknown notification type "booking_reminders"',
    );
  });
});
