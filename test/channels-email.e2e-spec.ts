import { User } from '../src/users/user.entity';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { UNSUBSCRIBE_PATH, UnsubscribeLinks } from '../src/preferences/unsubscribe-links';
import { CANCEL, createBooking, dataOf, RESCHEDULE } from './bookings.fixtures';
import { calendarOf, headerOf, icsUtc, parseIcs, parseMail } from './channels-email.fixtures';
import { HOUR, insertNotification, settled, waitFor } from './notifications-delivery.fixtures';
import { setPreferences } from './preferences.fixtures';
import { SmtpPeer } from './support/smtp-peer';
import { startTestApp, TestApp } from './support/test-app';

const FROM = 'Herald Bookings <bookings@herald.test>';
const UNSUBSCRIBE = 'https://herald.test/unsubscribe/{notificationId}?token={token}';

describe('channels: email over SMTP (e2e)', () => {
  let peer: SmtpPeer;
  let t: TestApp;

  beforeAll(async () => {
    peer = await SmtpPeer.start();
    t = await startTestApp({
      env: {
        SMTP_URL: peer.url,
        EMAIL_FROM: FROM,
        EMAIL_UNSUBSCRIBE_URL: UNSUBSCRIBE,
        NOTIFY_CHANNELS: 'email',
        NOTIFY_IN_APP_COPY: 'false',
        NOTIFY_RETRY_DELAYS: '200ms,400ms,800ms',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  /** The mail the peer received for a notification (by its X-Herald-Notification header). */
  const mailOf = (id: string) => waitFor(`mail of ${id}`, async () => peer.containing(`X-Herald-Notification: ${id}`)[0]);

  const emailNotice = async (bookingId: string, type: NotificationType, recipientId: string) =>
    waitFor(`${type} of ${bookingId}`, () =>
      t.orm.em.fork().findOne(Notification, { booking: bookingId, type, recipient: recipientId, channel: NotificationChannel.email }),
    );

  it('sends the confirmation of a booking made over GraphQL: text and HTML, From/To/Subject, and a valid .ics', async () => {
    const booking = await createBooking(t);
    const row = await settled(t, (await emailNotice(booking.id, NotificationType.booking_confirmation, t.users.customer.id)).id);
    expect(row).toMatchObject({ status: NotificationStatus.sent, attempts: 1, providerMessageId: `<${row.id}@herald.test>` });

    const received = await mailOf(row.id);
    expect(received.mailFrom).toBe('bookings@herald.test');
    expect(received.rcptTo).toEqual(['customer@herald.test']);
    const mail = await parseMail(received);
    expect(mail.from).toMatchObject({ name: 'Herald Bookings', address: 'bookings@herald.test' });
    expect(mail.to).toEqual([expect.objectContaining({ address: 'customer@herald.test' })]);
    expect(mail.subject).toBe(row.subject);
    expect(mail.subject).toContain('Booking registered: Haircut');
    expect(mail.messageId).toBe(row.providerMessageId);
    expect(mail.text?.trim()).toBe(row.body);
    expect(mail.html).toContain('<p>');
    expect(mail.html).toContain('Amir Temur Ave 15');
    expect(headerOf(mail, 'list-unsubscribe')).toBeUndefined();

    const calendar = calendarOf(received, mail);
    expect(calendar).toMatchObject({ filename: 'booking.ics', method: 'PUBLISH' });
    expect(headerOf(mail, 'content-type')).toContain('multipart/mixed');
    const ics = parseIcs(calendar.text);
    expect(ics.method).toBe('PUBLISH');
    expect(ics.event).toMatchObject({
      UID: `${booking.id}@herald`,
      SEQUENCE: String(booking.version),
      DTSTART: icsUtc(booking.startsAt),
      DTEND: icsUtc(booking.endsAt),
      SUMMARY: 'Haircut',
      LOCATION: 'Amir Temur Ave 15',
    });
    expect(ics.event.DTSTAMP).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('sends a reschedule with the same calendar UID, a higher SEQUENCE and the new times', async () => {
    const booking = await createBooking(t);
    const startsAt = new Date(new Date(booking.startsAt).getTime() + 24 * HOUR).toISOString();
    const endsAt = new Date(new Date(booking.endsAt).getTime() + 24 * HOUR).toISOString();
    const moved = dataOf(await t.gql<{ rescheduleBooking: { version: number } }>(RESCHEDULE, { id: booking.id, input: { startsAt, endsAt } }, t.tokens.customer));
    const row = await settled(t, (await emailNotice(booking.id, NotificationType.booking_rescheduled, t.users.customer.id)).id);
    expect(row.status).toBe(NotificationStatus.sent);

    const received = await mailOf(row.id);
    const ics = parseIcs(calendarOf(received, await parseMail(received)).text);
    expect(moved.rescheduleBooking.version).toBeGreaterThan(booking.version);
    expect(ics.event).toMatchObject({
      UID: `${booking.id}@herald`,
      SEQUENCE: String(moved.rescheduleBooking.version),
      DTSTART: icsUtc(startsAt),
      DTEND: icsUtc(endsAt),
    });
  });

  it("sends a cancellation with a METHOD:CANCEL .ics of the booking's UID, so calendars drop the event", async () => {
    const booking = await createBooking(t);
    const cancelled = dataOf(await t.gql<{ cancelBooking: { version: number } }>(CANCEL, { id: booking.id, input: { reason: 'Ill' } }, t.tokens.customer));
    const row = await settled(t, (await emailNotice(booking.id, NotificationType.booking_cancelled, t.users.customer.id)).id);
    expect(row.status).toBe(NotificationStatus.sent);
    const received = await mailOf(row.id);
    const calendar = calendarOf(received, await parseMail(received));
    expect(calendar).toMatchObject({ filename: 'booking.ics', method: 'CANCEL' });
    const ics = parseIcs(calendar.text);
    expect(ics.method).toBe('CANCEL');
    expect(ics.event).toMatchObject({ UID: `${booking.id}@herald`, SEQUENCE: String(cancelled.cancelBooking.version), STATUS: 'CANCELLED', DTSTART: icsUtc(booking.startsAt) });
  });

  it("puts the booking's calendar event on the provider's new-booking email", async () => {
    const booking = await createBooking(t);
    const row = await settled(t, (await emailNotice(booking.id, NotificationType.provider_new_booking, t.users.provider.id)).id);
    const received = await mailOf(row.id);
    const ics = parseIcs(calendarOf(received, await parseMail(received)).text);
    expect(ics).toMatchObject({ method: 'PUBLISH', event: expect.objectContaining({ UID: `${booking.id}@herald`, STATUS: 'TENTATIVE' }) });
  });

  it('puts one-click List-Unsubscribe on a reminder, and no calendar', async () => {
    const row = await insertNotification(t, { channel: NotificationChannel.email, type: NotificationType.booking_reminder });
    expect(await settled(t, row.id)).toMatchObject({ status: NotificationStatus.sent });
    const mail = await parseMail(await mailOf(row.id));
    expect(mail.subject).toContain('Reminder: Haircut');
    expect(headerOf(mail, 'list-unsubscribe')).toMatch(new RegExp(`^<https://herald\\.test/unsubscribe/${row.id}\\?token=[^>]+>$`));
    expect(headerOf(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.attachments).toHaveLength(0);
    expect(mail.html).toBeTruthy();
    expect(mail.text).toBeTruthy();
  });

  it('signs the unsubscribe link for the recipient: one click on it turns their email off, as myPreferences shows', async () => {
    const row = await insertNotification(t, { channel: NotificationChannel.email, type: NotificationType.booking_reminder });
    await settled(t, row.id);
    const link = /<([^>]+)>/.exec(String(headerOf(await parseMail(await mailOf(row.id)), 'list-unsubscribe')))![1];
    const token = new URL(link).searchParams.get('token')!;
    expect(t.app.get(UnsubscribeLinks).read(token)).toEqual({ userId: t.users.customer.id, type: NotificationType.booking_reminder });

    const clicked = await fetch(`${t.url}${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(clicked.status).toBe(200);
    const shown = await t.gql<{ myPreferences: { channels: { channel: string; enabled: boolean; offBy: string | null }[] } }>(
      `query { myPreferences { channels { channel enabled offBy } } }`,
      {},
      t.tokens.customer,
    );
    expect(dataOf(shown).myPreferences.channels.find((one) => one.channel === 'email')).toEqual({ channel: 'email', enabled: false, offBy: 'unsubscribe_link' });
    await setPreferences(t, t.tokens.customer, { channels: [{ channel: 'email', enabled: true }] });
  });

  it('fails an invalid address permanently, without talking to the server', async () => {
    await t.orm.em.fork().nativeUpdate(User, { id: t.users.otherCustomer.id }, { email: 'karim at herald.test' });
    try {
      const row = await insertNotification(t, { channel: NotificationChannel.email, recipient: 'otherCustomer' });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1, sentAt: null, lastError: 'invalid_address: not a valid email address' });
      expect(peer.containing(row.id)).toHaveLength(0);
    } finally {
      await t.orm.em.fork().nativeUpdate(User, { id: t.users.otherCustomer.id }, { email: 'othercustomer@herald.test' });
    }
  });

  it('retries a 451 (temporary) refusal and then delivers', async () => {
    peer.reject({ phase: 'rcpt', code: 451, message: '4.7.1 Greylisted, try again', to: 'ops@herald.test' });
    const row = await insertNotification(t, { channel: NotificationChannel.email, recipient: 'ops' });
    const done = await settled(t, row.id);
    expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 2 });
    expect(peer.refusals).toContainEqual({ phase: 'rcpt', code: 451, to: ['ops@herald.test'] });
    expect(peer.containing(`X-Herald-Notification: ${row.id}`)).toHaveLength(1);
  });

  it('retries a 451 refusal of the message data too', async () => {
    peer.reject({ phase: 'data', code: 451, to: 'ops@herald.test', times: 2 });
    const row = await insertNotification(t, { channel: NotificationChannel.email, recipient: 'ops' });
    expect(await settled(t, row.id)).toMatchObject({ status: NotificationStatus.sent, attempts: 3 });
  });

  it('fails a 550 (no such user) refusal of the recipient permanently', async () => {
    peer.reject({ phase: 'rcpt', code: 550, message: '5.1.1 No such user here', to: 'finance@herald.test' });
    const row = await insertNotification(t, { channel: NotificationChannel.email, recipient: 'finance' });
    const done = await settled(t, row.id);
    expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1, sentAt: null });
    expect(done.lastError).toMatch(/^recipient_rejected: .*550.*No such user/);
  });

  it('fails a 554 refusal of the message permanently', async () => {
    peer.reject({ phase: 'data', code: 554, message: '5.7.1 Message rejected', to: 'finance@herald.test' });
    const row = await insertNotification(t, { channel: NotificationChannel.email, recipient: 'finance' });
    const done = await settled(t, row.id);
    expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1 });
    expect(done.lastError).toMatch(/^smtp_554: /);
  });
});
