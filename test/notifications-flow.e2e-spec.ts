import { Notification, NotificationStatus } from '../src/notifications/notification.entity';
import { bookingInput, createBooking, dataOf } from './bookings.fixtures';
import { settled, TIMELINE, TimelineRow } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

describe('a booking’s messages, end to end', () => {
  let herald: TestApp;

  beforeAll(async () => {
    // A reminder 1 minute before start, for a booking 1 minute and 3 seconds ahead: due in ~3 s.
    herald = await startTestApp({
      env: { NOTIFY_REMINDER_OFFSETS: '1m', NOTIFY_PROVIDER_NEXT_BOOKING: '30s', NOTIFY_CHANNELS: 'email', NOTIFY_PROMOTE_EVERY: '1s' },
    });
  });
  afterAll(() => herald.close());

  it('creating a booking plans its rows; the reminder reaches the in-app subscription within a second of its due time', async () => {
    const inbox = await herald.subscribe<{ notificationReceived: { id: string; type: string; subject: string; body: string } }>(
      `subscription { notificationReceived { id type subject body } }`,
      {},
      herald.tokens.customer,
    );
    const startsAt = new Date(herald.clock.now().getTime() + 63_000);
    const booking = await createBooking(herald, { startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 45 * 60_000).toISOString() });

    const planned = dataOf(await herald.gql<{ bookingNotifications: TimelineRow[] }>(TIMELINE, { bookingId: booking.id }, herald.tokens.ops)).bookingNotifications;
    const customerRows = planned.filter((row) => row.recipientId === herald.users.customer.id);
    expect(customerRows.map((row) => `${row.type}/${row.channel}`).sort()).toEqual([
      'booking_confirmation/email',
      'booking_confirmation/in_app',
      'booking_reminder/email',
      'booking_reminder/in_app',
    ]);
    const providerRows = planned.filter((row) => row.recipientId === herald.users.provider.id).map((row) => row.type);
    expect(providerRows).toEqual(expect.arrayContaining(['provider_new_booking', 'provider_next_booking']));

    const reminder = customerRows.find((row) => row.type === 'booking_reminder' && row.channel === 'in_app')!;
    expect(new Date(reminder.dueAt).getTime()).toBe(startsAt.getTime() - 60_000);

    // The confirmation arrives first, then the reminder at its due time.
    const received: { type: string; at: number }[] = [];
    while (!received.some((event) => event.type === 'booking_reminder')) {
      const event = await inbox.next(10_000);
      received.push({ type: event.data!.notificationReceived.type, at: herald.clock.now().getTime() });
    }
    const reminderArrival = received.find((event) => event.type === 'booking_reminder')!.at;
    const lateness = reminderArrival - new Date(reminder.dueAt).getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1000);
    expect(received[0].type).toBe('booking_confirmation');
    await inbox.close();

    const after = dataOf(await herald.gql<{ bookingNotifications: TimelineRow[] }>(TIMELINE, { bookingId: booking.id }, herald.tokens.customer)).bookingNotifications;
    expect(after.every((row) => row.recipientId === herald.users.customer.id)).toBe(true);
    const sentReminder = after.find((row) => row.id === reminder.id)!;
    expect(sentReminder.status).toBe('sent');
    // No email credentials here: the email copy goes to the development outbox, recorded as such.
    const emailReminder = await settled(herald, after.find((row) => row.type === 'booking_reminder' && row.channel === 'email')!.id);
    expect(emailReminder.status).toBe('sent');
    expect(emailReminder.providerMessageId).toMatch(/^outbox:email\//);

    const outbox = await herald.gql<{ outboxMessages: { notificationId: string; channel: string; to: string }[] }>(
      `query { outboxMessages(channel: email) { notificationId channel to } }`,
      {},
      herald.tokens.admin,
    );
    expect(outbox.data!.outboxMessages.map((message) => message.notificationId)).toContain(emailReminder.id);
    expect(outbox.data!.outboxMessages.find((message) => message.notificationId === emailReminder.id)!.to).toBe('customer@herald.test');

    const myInbox = await herald.gql<{ myNotifications: { nodes: { type: string }[] } }>(`query { myNotifications { nodes { type } } }`, {}, herald.tokens.customer);
    expect(myInbox.data!.myNotifications.nodes.map((node) => node.type)).toEqual(['booking_reminder', 'booking_confirmation']);
  });

  it('the booking timeline is hidden from people who are not party to the booking', async () => {
    const booking = await createBooking(herald, bookingInput(herald));
    const stranger = await herald.gql(TIMELINE, { bookingId: booking.id }, herald.tokens.otherCustomer);
    expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const finance = await herald.gql(TIMELINE, { bookingId: booking.id }, herald.tokens.finance);
    expect(finance.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

});

describe('processPendingNotifications', () => {
  let herald: TestApp;

  beforeAll(async () => {
    // The API role alone: no worker consumes the queue, so only the operator's pass sends.
    herald = await startTestApp({ env: { HERALD_ROLE: 'api' } });
  });
  afterAll(() => herald.close());

  it('sends what is due now, in-process, for admins', async () => {
    const booking = await createBooking(herald, bookingInput(herald));
    const due = await herald.orm.em.fork().find(Notification, { booking: booking.id, dueAt: { $lte: herald.clock.now() }, status: NotificationStatus.queued });
    expect(due.map((row) => row.type).sort()).toEqual(['booking_confirmation', 'booking_confirmation', 'provider_new_booking', 'provider_new_booking']);

    const result = await herald.gql<{ processPendingNotifications: { considered: number; sent: number; failed: number } }>(
      `mutation { processPendingNotifications(max: 50) { considered sent failed skipped retried requeued } }`,
      {},
      herald.tokens.admin,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.processPendingNotifications).toMatchObject({ considered: 4, sent: 4, failed: 0 });
    const after = await herald.orm.em.fork().find(Notification, { id: { $in: due.map((row) => row.id) } });
    expect(after.every((row) => row.status === NotificationStatus.sent && !!row.subject)).toBe(true);

    const tooMany = await herald.gql(`mutation { processPendingNotifications(max: 100000) { sent } }`, {}, herald.tokens.admin);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const notAdmin = await herald.gql(`mutation { processPendingNotifications(max: 5) { sent } }`, {}, herald.tokens.ops);
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
