import { SmsSender } from '../src/channels/sms/sms.sender';
import { ChannelRegistry } from '../src/notifications/channels/channel-registry';
import { DeliveryService } from '../src/notifications/delivery/delivery.service';
import { MaintenanceService } from '../src/notifications/delivery/maintenance.service';
import { Notification } from '../src/notifications/notification.entity';
import { RenderedMessage } from '../src/notifications/rendering/message-renderer';
import { NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { MessageAbout, NOTHING_TO_RENEW } from '../src/notifications/channels/channel-sender';
import { User } from '../src/users/user.entity';
import { insertNotification, rowOf, settled, sleep } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';
import { TwilioPeer } from './support/twilio-peer';

/** What Twilio is told to call; the app itself listens elsewhere, as behind a reverse proxy. */
const PUBLIC_BASE_URL = 'https://herald.example.test';
const FROM = '+15005550006';

const ABOUT: MessageAbout = { type: NotificationType.booking_reminder, booking: null };

describe('channels: SMS through Twilio (e2e)', () => {
  let t: TestApp;
  let twilio: TwilioPeer;

  beforeAll(async () => {
    twilio = await TwilioPeer.start();
    t = await startTestApp({
      env: {
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_FROM: FROM,
        TWILIO_API_BASE: twilio.url,
        PUBLIC_BASE_URL,
        NOTIFY_RETRY_DELAYS: '200ms,400ms,800ms',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await twilio?.close();
  });

  const phoneOf = (persona: 'customer' | 'otherCustomer' | 'provider' | 'otherProvider' | 'admin') => t.users[persona].phone!;
  const userRow = (persona: 'customer' | 'otherCustomer') => t.orm.em.fork().findOneOrFail(User, { id: t.users[persona].id });

  /** Sends one SMS to the customer and returns its row once sent. */
  async function sentSms() {
    const row = await insertNotification(t);
    const done = await settled(t, row.id);
    expect(done.status).toBe(NotificationStatus.sent);
    return done;
  }

  it('routes SMS to the Twilio sender, not the outbox', () => {
    expect(t.app.get(ChannelRegistry).routeOf(NotificationChannel.sms)).toBe('sender');
  });

  it('sends the rendered text to the recipient from TWILIO_FROM, authenticated, with a status callback, and records the SID', async () => {
    const done = await sentSms();
    const [request] = twilio.requests.filter((r) => r.params.To === phoneOf('customer')).slice(-1);
    expect(request).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, authorized: true, status: 201 });
    expect(request.params).toEqual({
      To: phoneOf('customer'),
      From: FROM,
      Body: done.body!.trim(),
      StatusCallback: `${PUBLIC_BASE_URL}/twilio/status?notification=${done.id}`,
    });
    expect(request.params.Body).toContain('Haircut');
    expect(done.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(twilio.messages.get(done.providerMessageId!)).toMatchObject({ to: phoneOf('customer'), body: request.params.Body });
    expect(done).toMatchObject({ attempts: 1, lastError: null, deliveryStatus: null });
  });

  describe('status callback', () => {
    it('records a signed "delivered" report on the notification', async () => {
      const done = await sentSms();
      const answer = await twilio.sendStatusCallback(done.providerMessageId!, 'delivered', { deliverTo: t.url });
      expect(answer.status).toBe(204);
      const row = await rowOf(t, done.id);
      expect(row).toMatchObject({ status: NotificationStatus.sent, deliveryStatus: 'delivered' });
      expect(row.deliveryUpdatedAt).toBeInstanceOf(Date);
    });

    it('keeps a later report: "sent" arriving after "undelivered" changes nothing', async () => {
      const done = await sentSms();
      expect((await twilio.sendStatusCallback(done.providerMessageId!, 'queued', { deliverTo: t.url })).status).toBe(204);
      expect((await rowOf(t, done.id)).deliveryStatus).toBe('queued');
      expect((await twilio.sendStatusCallback(done.providerMessageId!, 'undelivered', { deliverTo: t.url, errorCode: '30003' })).status).toBe(204);
      expect((await twilio.sendStatusCallback(done.providerMessageId!, 'sent', { deliverTo: t.url })).status).toBe(204);
      expect((await rowOf(t, done.id)).deliveryStatus).toBe('undelivered');
    });

    it.each([
      ['unsigned', { signature: null }],
      ['signed with another token', { signWith: 'not-the-account-auth-token' }],
      ['signed for the URL it physically reached instead of PUBLIC_BASE_URL', { signUrl: 'http://127.0.0.1/twilio/status' }],
      ['carrying a garbage signature', { signature: 'bm90IGEgc2lnbmF0dXJl' }],
    ])('rejects a report %s with 403 and changes nothing', async (_case, options) => {
      const done = await sentSms();
      const answer = await twilio.sendStatusCallback(done.providerMessageId!, 'failed', { deliverTo: t.url, ...options });
      expect(answer.status).toBe(403);
      const row = await rowOf(t, done.id);
      expect(row).toMatchObject({ deliveryStatus: null, deliveryUpdatedAt: null, status: NotificationStatus.sent });
    });

    it('answers 204 to a signed report about a message Herald does not know, so Twilio stops retrying', async () => {
      const done = await sentSms();
      // The message exists at Twilio, but no notification carries its SID (e.g. cleaned up).
      await t.orm.em.fork().nativeUpdate('Notification', { id: done.id }, { providerMessageId: null });
      expect((await twilio.sendStatusCallback(done.providerMessageId!, 'delivered', { deliverTo: t.url })).status).toBe(204);
      expect((await rowOf(t, done.id)).deliveryStatus).toBeNull();
    });

    describe('a send Twilio took but Herald never recorded', () => {
      /** The row as a worker leaves it when it dies (or its request times out) right after Twilio accepted the message. */
      async function acceptedButUnrecorded(status: NotificationStatus.sending | NotificationStatus.queued) {
        const row = await insertNotification(t, { dueInMs: 3_600_000 });
        const lease = new Date(t.clock.now().getTime() + 60_000);
        await t.orm.em.fork().nativeUpdate(Notification, { id: row.id }, status === NotificationStatus.sending ? { status, attempts: 1, leaseUntil: lease } : { status, attempts: 1 });
        const sender = t.app.get(SmsSender);
        const message: RenderedMessage = { subject: 'Reminder', text: 'Your Haircut starts soon.' };
        const { providerMessageId } = await sender.send(row.id, { userId: t.users.customer.id, to: phoneOf('customer'), locale: 'en' }, message, ABOUT, NOTHING_TO_RENEW);
        return { row, lease, sid: providerMessageId! };
      }

      it('records the row sent from the report that names it, so its expired lease does not send it again', async () => {
        const { row, sid } = await acceptedButUnrecorded(NotificationStatus.sending);
        expect((await twilio.sendStatusCallback(sid, 'sent', { deliverTo: t.url })).status).toBe(204);
        expect(await rowOf(t, row.id)).toMatchObject({ status: NotificationStatus.sent, providerMessageId: sid, deliveryStatus: 'sent', leaseUntil: null });
        // The lease runs out: nothing is left in `sending` to put back.
        await t.orm.em.fork().nativeUpdate(Notification, { id: row.id, status: NotificationStatus.sending }, { leaseUntil: new Date(0) });
        expect(await t.app.get(MaintenanceService).requeueExpired(100)).not.toContain(row.id);
        expect(twilio.requests.filter((request) => request.params.StatusCallback?.endsWith(row.id))).toHaveLength(1);
      });

      it('records a row waiting to retry (the request timed out after Twilio took it) as sent', async () => {
        const { row, sid } = await acceptedButUnrecorded(NotificationStatus.queued);
        expect((await twilio.sendStatusCallback(sid, 'queued', { deliverTo: t.url })).status).toBe(204);
        expect(await rowOf(t, row.id)).toMatchObject({ status: NotificationStatus.sent, providerMessageId: sid, nextAttemptAt: null });
      });

      it('lets the sending worker record its message after the report came first', async () => {
        const { row, lease, sid } = await acceptedButUnrecorded(NotificationStatus.sending);
        expect((await twilio.sendStatusCallback(sid, 'queued', { deliverTo: t.url })).status).toBe(204);
        const delivery = t.app.get(DeliveryService);
        const record = { id: row.id, attempts: 1, lease_until: lease.toISOString(), provider_message_id: sid, subject: 'Reminder', body: 'Your Haircut starts soon.' };
        expect(await delivery.writeSent(t.orm.em.fork(), [record], t.clock.now())).toEqual([row.id]);
        expect(await rowOf(t, row.id)).toMatchObject({ status: NotificationStatus.sent, providerMessageId: sid, body: 'Your Haircut starts soon.', deliveryStatus: 'queued' });
      });
    });

    it('refuses a body that is not a form', async () => {
      const response = await fetch(`${t.url}/twilio/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(415);
    });
  });

  describe('failures', () => {
    it('fails permanently on 21211 (invalid number), without retrying', async () => {
      twilio.failNext({ status: 400, code: 21211, message: `The 'To' number ${phoneOf('customer')} is not a valid phone number.` });
      const row = await insertNotification(t);
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1, providerMessageId: null });
      expect(done.lastError).toMatch(/^twilio_21211: Twilio 400\/21211/);
      // Twilio's message quotes the number; the row keeps it scrubbed.
      expect(done.lastError).not.toContain(phoneOf('customer'));
      expect(done.lastError).toContain('[number]');
    });

    it('fails permanently on 21610 (unsubscribed) and turns SMS off for the recipient, whose next SMS is skipped', async () => {
      expect((await userRow('otherCustomer')).smsOffAt).toBeNull();
      twilio.failNext({ status: 400, code: 21610 });
      const row = await insertNotification(t, { recipient: 'otherCustomer' });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1 });
      expect(done.lastError).toMatch(/^twilio_21610/);
      expect((await userRow('otherCustomer')).smsOffAt).toBeInstanceOf(Date);

      const sentBefore = twilio.requestsTo(phoneOf('otherCustomer')).length;
      const next = await settled(t, (await insertNotification(t, { recipient: 'otherCustomer' })).id);
      expect(next).toMatchObject({ status: NotificationStatus.skipped, reason: 'no_address' });
      expect(twilio.requestsTo(phoneOf('otherCustomer'))).toHaveLength(sentBefore);
    });

    it('retries a 429 no sooner than Retry-After, then sends', async () => {
      twilio.failNext({ status: 429, code: 20429, retryAfter: '1' });
      const row = await insertNotification(t, { recipient: 'provider' });
      const done = await settled(t, row.id, 15_000);
      expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 2, providerMessageId: expect.stringMatching(/^SM/) });
      const [first, second] = twilio.requestsTo(phoneOf('provider')).slice(-2);
      expect([first.status, second.status]).toEqual([429, 201]);
      // NOTIFY_RETRY_DELAYS says 200 ms; Twilio asked for 1 s.
      expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
    });

    it('retries a 500 after the configured delay, then sends', async () => {
      twilio.failNext({ status: 500, code: 20500 });
      const row = await insertNotification(t, { recipient: 'otherProvider' });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 2, lastError: expect.stringMatching(/^twilio_20500/) });
      const [first, second] = twilio.requestsTo(phoneOf('otherProvider')).slice(-2);
      expect([first.status, second.status]).toEqual([500, 201]);
      expect(second.at - first.at).toBeGreaterThanOrEqual(200);
    });

    it('never calls Twilio for a phone that is not valid E.164, and fails at once', async () => {
      await t.orm.em.fork().nativeUpdate(User, { id: t.users.admin.id }, { phone: '+99812' });
      const before = twilio.requests.length;
      const row = await insertNotification(t, { recipient: 'admin' });
      const done = await settled(t, row.id);
      expect(done).toMatchObject({ status: NotificationStatus.failed, attempts: 1, lastError: expect.stringMatching(/^invalid_phone/) });
      await sleep(100);
      expect(twilio.requests.length).toBe(before);
    });
  });
});
