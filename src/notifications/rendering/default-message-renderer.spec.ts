import { Booking, BookingStatus } from '../../bookings/booking.entity';
import { Clock } from '../../core/clock/clock';
import { Locale, User } from '../../users/user.entity';
import { AlertNotice, AlertNoticeKind, CampaignKind, CampaignMessage, Notification, NotificationChannel, NotificationType } from '../notification.entity';
import { DefaultMessageRenderer, formatLeft, toHtml } from './default-message-renderer';

const HOUR = 3_600_000;
const now = new Date('2031-01-10T06:00:00Z');

class FixedClock extends Clock {
  now(): Date {
    return now;
  }
}

function user(name: string, locale: Locale, timezone = 'Asia/Tashkent'): User {
  const u = new User();
  u.name = name;
  u.email = `${name.split(' ')[0].toLowerCase()}@example.test`;
  u.locale = locale;
  u.timezone = timezone;
  return u;
}

const ALERT: AlertNotice = {
  alertId: 'a1',
  kind: AlertNoticeKind.raised,
  alertType: 'booking_overdue',
  severity: 'critical',
  title: 'Booking overdue by 49 h: Haircut',
  description: 'Booking b1 ended at 2031-01-08T05:00:00.000Z and is neither completed nor cancelled.',
  occurrences: 9,
  firstSeenAt: '2031-01-08T05:00:00.000Z',
};

const CAMPAIGN: CampaignMessage = {
  runId: 'r1',
  campaignId: 'c1',
  kind: CampaignKind.provider_bonus,
  postalCode: '100000',
  date: '2031-01-09',
  bookings: 9,
  providers: 2,
  percent: 15,
};

const provider = user('Pavel Provider', Locale.en);
const customer = user('Kamola Customer', Locale.en);

function booking(overrides: Partial<Booking> = {}): Booking {
  const b = new Booking();
  Object.assign(b, {
    customer,
    provider,
    serviceName: 'Haircut',
    // 14:00–14:45 in Tashkent (UTC+5).
    startsAt: new Date('2031-01-10T09:00:00Z'),
    endsAt: new Date('2031-01-10T09:45:00Z'),
    timezone: 'Asia/Tashkent',
    address: 'Amir Temur Ave 15',
    status: BookingStatus.confirmed,
    ...overrides,
  });
  return b;
}

function notification(type: NotificationType, recipient: User, b: Booking | null, payload: Notification['payload'] = {}): Notification {
  const n = new Notification();
  Object.assign(n, { type, recipient, booking: b, channel: NotificationChannel.email, dueAt: now, payload, offsetSeconds: 0 });
  return n;
}

describe(DefaultMessageRenderer.name, () => {
  const sut = new DefaultMessageRenderer(new FixedClock());

  it('renders an English reminder in the booking time zone with the hours left', async () => {
    const b = booking();
    const message = await sut.render({ notification: notification(NotificationType.booking_reminder, customer, b), recipient: customer, booking: b });
    expect(message.subject).toBe('Reminder: Haircut in 3 hours');
    expect(message.text).toBe(
      [
        'A reminder: your booking starts in 3 hours.',
        '',
        'Service: Haircut',
        'With: Pavel Provider',
        'When: Friday, 10 January 2031, 14:00–14:45',
        'Address: Amir Temur Ave 15',
      ].join('\n'),
    );
    expect(message.html).toContain('<p>A reminder: your booking starts in 3 hours.</p>');
  });

  it('renders Russian for a Russian-speaking recipient and names the zone when it is not theirs', async () => {
    const olga = user('Olga Customer', Locale.ru, 'Europe/Moscow');
    const b = booking({ customer: olga });
    const message = await sut.render({ notification: notification(NotificationType.booking_confirmation, olga, b), recipient: olga, booking: b });
    expect(message.subject).toBe('Запись оформлена: Haircut, пятница, 10 января 2031');
    expect(message.text).toContain('Ваша запись оформлена.');
    expect(message.text).toContain('Специалист: Pavel Provider');
    expect(message.text).toContain('Когда: пятница, 10 января 2031, 14:00–14:45 (время: Asia/Tashkent)');
  });

  it('renders Uzbek, and tells the provider who the customer is', async () => {
    const aziz = user('Aziz Provider', Locale.uz);
    const b = booking({ provider: aziz });
    const message = await sut.render({
      notification: notification(NotificationType.provider_next_booking, aziz, b),
      recipient: aziz,
      booking: b,
    });
    expect(message.subject).toBe('Keyingi bron: Haircut, 14:00');
    expect(message.text).toContain('Keyingi bron: boshlanishiga 3 soat qoldi.');
    expect(message.text).toContain('Mijoz: Kamola Customer');
  });

  it('falls back to English for a locale it has no texts for', async () => {
    const someone = user('Hans Customer', 'de' as Locale);
    const b = booking({ customer: someone });
    const message = await sut.render({ notification: notification(NotificationType.booking_starting, someone, b), recipient: someone, booking: b });
    expect(message.subject).toBe('Starting now: Haircut');
  });

  it('says where a rescheduled booking was and why a cancelled one was cancelled', async () => {
    const b = booking();
    const moved = await sut.render({
      notification: notification(NotificationType.booking_rescheduled, customer, b, { previousStartsAt: '2031-01-09T04:30:00Z' }),
      recipient: customer,
      booking: b,
    });
    expect(moved.text).toContain('Was: Thursday, 9 January 2031, 09:30');

    const cancelled = booking({ status: BookingStatus.cancelled, cancellationReason: 'Provider is ill' });
    const notice = await sut.render({
      notification: notification(NotificationType.booking_cancelled, customer, cancelled, { cancellationReason: 'Provider is ill' }),
      recipient: customer,
      booking: cancelled,
    });
    expect(notice.subject).toBe('Booking cancelled: Haircut, Friday, 10 January 2031 14:00');
    expect(notice.text).toContain('Reason: Provider is ill');
  });

  it("lists the agenda day's bookings by time with customer names, in the provider's zone", async () => {
    const other = user('Karim Customer', Locale.en);
    const first = booking();
    const second = booking({ customer: other, serviceName: 'Beard trim', startsAt: new Date('2031-01-10T11:00:00Z'), endsAt: new Date('2031-01-10T11:30:00Z'), address: null });
    const message = await sut.render({
      notification: notification(NotificationType.provider_daily_agenda, provider, null, { agendaDate: '2031-01-10' }),
      recipient: provider,
      booking: null,
      agenda: [first, second],
    });
    expect(message.subject).toBe('Your bookings on Friday, 10 January 2031');
    expect(message.text).toBe(
      [
        'Bookings on Friday, 10 January 2031: 2.',
        '',
        '14:00–14:45  Haircut — Kamola Customer, Amir Temur Ave 15',
        '16:00–16:30  Beard trim — Karim Customer',
      ].join('\n'),
    );
  });

  it('renders every notification type in every locale without a leftover placeholder', async () => {
    for (const locale of Object.values(Locale)) {
      const recipient = user('Any One', locale);
      const b = booking({ customer: recipient });
      for (const type of Object.values(NotificationType)) {
        const payload = { agendaDate: '2031-01-10', alert: { ...ALERT, kind: AlertNoticeKind.escalated }, campaign: CAMPAIGN };
        const message = await sut.render({ notification: notification(type, recipient, b, payload), recipient, booking: b, agenda: [b] });
        expect(`${message.subject}\n${message.text}`).not.toMatch(/\{\w+\}/);
      }
    }
  });

  it('tells staff why an alert notice goes, what the alert says and since when, in their zone', async () => {
    const staff = user('Olga Ops', Locale.ru, 'Europe/Moscow');
    const message = await sut.render({ notification: notification(NotificationType.staff_alert, staff, null, { alert: ALERT }), recipient: staff, booking: null });
    expect(message.subject).toBe('[CRITICAL] Booking overdue by 49 h: Haircut');
    expect(message.text).toBe(
      [
        'Новое оповещение: Booking overdue by 49 h: Haircut',
        '',
        'Booking b1 ended at 2031-01-08T05:00:00.000Z and is neither completed nor cancelled.',
        '',
        'Важность: critical',
        'С: среда, 8 января 2031, 08:00',
        'Замечено раз: 9',
      ].join('\n'),
    );
  });

  it("tells a provider of demand in their area, with the day's figures", async () => {
    const message = await sut.render({ notification: notification(NotificationType.area_demand, provider, null, { campaign: CAMPAIGN }), recipient: provider, booking: null });
    expect(message.subject).toBe('Bookings in 100000');
    expect(message.text).toBe(
      ['Demand in your area, 100000.', '', '9 bookings on Thursday, 9 January 2031 in 100000 met only 2 provider(s): take bookings there and earn a 15 % bonus.'].join('\n'),
    );
  });

  it('formats time left in whole hours from an hour on, minutes below', () => {
    expect(formatLeft(HOUR - 2, 'en')).toBe('1 hour');
    expect(formatLeft(45 * 60_000, 'ru')).toBe('45 минут');
    expect(formatLeft(72 * HOUR, 'uz')).toBe('72 soat');
    expect(formatLeft(-5, 'en')).toBe('1 minute');
  });

  it('escapes HTML', () => {
    expect(toHtml('a <b> & "c"\nd\n\ne')).toBe('<p>a &lt;b&gt; &amp; &quot;c&quot;<br>d</p>\n<p>e</p>');
  });
});
