import { BookingStatus } from '../../bookings/booking.entity';
import { NotificationType } from '../../notifications/notification.entity';
import { composeEmail, EmailInput, isTransactional, unsubscribeHeaders } from './email-message';

const booking = {
  id: 'b-1',
  version: 3,
  serviceName: 'Haircut',
  startsAt: new Date('2031-01-10T09:00:00Z'),
  endsAt: new Date('2031-01-10T09:45:00Z'),
  address: 'Amir Temur Ave 15',
  status: BookingStatus.confirmed,
};

const input = (overrides: Partial<EmailInput> = {}): EmailInput => ({
  notificationId: 'n-1',
  type: NotificationType.booking_confirmation,
  booking,
  from: 'Herald <no-reply@herald.example>',
  to: 'kamola@example.test',
  message: { subject: 'Booking registered', text: 'Hello <Kamola> & co\n\nSee you' },
  unsubscribeUrl: 'https://herald.example/unsubscribe?n={notificationId}',
  messageIdDomain: 'herald.example',
  now: new Date('2031-01-09T06:00:00Z'),
  ...overrides,
});

describe('composeEmail', () => {
  it('derives escaped HTML from the text when the message has none, and keeps given HTML', () => {
    expect(composeEmail(input()).html).toBe('<p>Hello &lt;Kamola&gt; &amp; co</p>\n<p>See you</p>');
    expect(composeEmail(input({ message: { subject: 'S', text: 'T', html: '<b>T</b>' } })).html).toBe('<b>T</b>');
  });

  it('names the notification in the Message-ID and a header', () => {
    const mail = composeEmail(input());
    expect(mail.messageId).toBe('<n-1@herald.example>');
    expect(mail.headers['X-Herald-Notification']).toBe('n-1');
    expect(mail).toMatchObject({ from: 'Herald <no-reply@herald.example>', to: 'kamola@example.test', subject: 'Booking registered' });
  });

  it('attaches the booking as an .ics to confirmations, new-booking notices, reschedules and (to cancel it) cancellations only', () => {
    const [ics] = composeEmail(input()).attachments;
    expect(ics).toMatchObject({ filename: 'booking.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH' });
    expect(ics.content).toContain('UID:b-1@herald\r\n');
    expect(ics.content).toContain('SEQUENCE:3\r\n');
    expect(ics.content).toContain('DTSTART:20310110T090000Z\r\n');
    expect(composeEmail(input({ type: NotificationType.booking_rescheduled })).attachments).toHaveLength(1);
    expect(composeEmail(input({ type: NotificationType.booking_reminder })).attachments).toHaveLength(0);
    expect(composeEmail(input({ type: NotificationType.provider_new_booking })).attachments).toHaveLength(1);
    const [cancel] = composeEmail(input({ type: NotificationType.booking_cancelled })).attachments;
    expect(cancel).toMatchObject({ contentType: 'text/calendar; charset=utf-8; method=CANCEL' });
    expect(cancel.content).toContain('METHOD:CANCEL\r\n');
    expect(cancel.content).toContain('STATUS:CANCELLED\r\n');
    expect(cancel.content).toContain('UID:b-1@herald\r\n');
    expect(composeEmail(input({ booking: null })).attachments).toHaveLength(0);
  });

  it('offers one-click unsubscribe on non-transactional mail only, and only when configured', () => {
    const reminder = composeEmail(input({ type: NotificationType.booking_reminder }));
    expect(reminder.headers).toMatchObject({
      'List-Unsubscribe': '<https://herald.example/unsubscribe?n=n-1>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(composeEmail(input()).headers['List-Unsubscribe']).toBeUndefined();
    expect(composeEmail(input({ type: NotificationType.booking_reminder, unsubscribeUrl: undefined })).headers['List-Unsubscribe']).toBeUndefined();
  });

  it('keeps a subject on one line', () => {
    expect(composeEmail(input({ message: { subject: 'A\r\nBcc: x@y.z', text: 'T' } })).subject).toBe('A Bcc: x@y.z');
  });
});

describe('isTransactional', () => {
  it('counts confirmations, reschedules, cancellations, new-booking notices and staff alerts as transactional', () => {
    const transactional = Object.values(NotificationType).filter(isTransactional).sort();
    expect(transactional).toEqual(['booking_cancelled', 'booking_confirmation', 'booking_rescheduled', 'provider_new_booking', 'staff_alert']);
  });
});

describe('unsubscribeHeaders', () => {
  it('has no one-click for mailto or plain http', () => {
    expect(unsubscribeHeaders('mailto:unsubscribe@herald.example', 'n')).toEqual({ 'List-Unsubscribe': '<mailto:unsubscribe@herald.example>' });
    expect(unsubscribeHeaders('http://herald.example/u', 'n')).toEqual({ 'List-Unsubscribe': '<http://herald.example/u>' });
  });
});
