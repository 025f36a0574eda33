import { LiveEvents } from '../src/core/graphql/live-events';
import { Notification, NotificationChannel, notificationReceivedTopic, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { User } from '../src/users/user.entity';
import { Persona, startTestApp, TestApp } from './support/test-app';

const FIELDS = 'id type channel status reason attempts lastError dueAt sentAt subject body readAt recipientId bookingId offsetMinutes';

describe('notifications over GraphQL', () => {
  let herald: TestApp;
  let sequence = 0;

  beforeAll(async () => {
    // Far-future offsets and a long horizon keep the worker away from the rows these tests make by hand.
    herald = await startTestApp({ env: { NOTIFY_QUEUE_HORIZON: '1m' } });
  });
  afterAll(() => herald.close());

  /** A row as the engine would leave it, written directly so each test controls its state. */
  async function notification(
    persona: Persona,
    fields: Partial<Pick<Notification, 'status' | 'channel' | 'type' | 'dueAt' | 'subject' | 'body' | 'sentAt' | 'readAt' | 'lastError' | 'attempts'>> = {},
  ): Promise<Notification> {
    const em = herald.orm.em.fork();
    const row = em.create(Notification, {
      recipient: em.getReference(User, herald.users[persona].id),
      type: NotificationType.booking_confirmation,
      channel: NotificationChannel.in_app,
      dueAt: new Date(herald.clock.now().getTime() - 60_000),
      status: NotificationStatus.sent,
      subject: 'Booking confirmed',
      body: 'See you soon',
      sentAt: herald.clock.now(),
      dedupKey: `test:${sequence++}`,
      ...fields,
    });
    await em.flush();
    return row;
  }

  it('myNotifications lists only the caller’s delivered in-app messages, and marks them read', async () => {
    const mine = await notification('customer');
    await notification('customer', { channel: NotificationChannel.email });
    await notification('customer', { status: NotificationStatus.queued, sentAt: null });
    await notification('otherCustomer');

    const inbox = await herald.gql<{ myNotifications: { nodes: { id: string; readAt: string | null }[]; totalCount: number } }>(
      `query { myNotifications { nodes { ${FIELDS} } totalCount } }`,
      {},
      herald.tokens.customer,
    );
    expect(inbox.errors).toBeUndefined();
    expect(inbox.data!.myNotifications.nodes.map((node) => node.id)).toEqual([mine.id]);

    const read = await herald.gql<{ markNotificationRead: { readAt: string } }>(`mutation($id: ID!) { markNotificationRead(id: $id) { readAt } }`, { id: mine.id }, herald.tokens.customer);
    expect(read.data!.markNotificationRead.readAt).not.toBeNull();
    const unread = await herald.gql<{ myNotifications: { totalCount: number } }>(`query { myNotifications(filter: { unreadOnly: true }) { totalCount } }`, {}, herald.tokens.customer);
    expect(unread.data!.myNotifications.totalCount).toBe(0);

    const foreign = await herald.gql(`mutation($id: ID!) { markNotificationRead(id: $id) { id } }`, { id: mine.id }, herald.tokens.otherCustomer);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('ops filters every notification; stats count by channel and status', async () => {
    await notification('provider', { status: NotificationStatus.failed, channel: NotificationChannel.sms, lastError: 'boom', sentAt: null });
    const failed = await herald.gql<{ notifications: { nodes: { status: string; channel: string; recipientId: string }[] } }>(
      `query { notifications(filter: { status: [failed], channel: [sms] }) { nodes { ${FIELDS} } } }`,
      {},
      herald.tokens.ops,
    );
    expect(failed.data!.notifications.nodes.length).toBeGreaterThanOrEqual(1);
    expect(failed.data!.notifications.nodes.every((node) => node.status === 'failed' && node.channel === 'sms')).toBe(true);

    const stats = await herald.gql<{ notificationStats: { channel: string; status: string; count: number }[] }>(`query { notificationStats(days: 1) { channel status count } }`, {}, herald.tokens.ops);
    const smsFailed = stats.data!.notificationStats.find((row) => row.channel === 'sms' && row.status === 'failed');
    expect(smsFailed?.count).toBeGreaterThanOrEqual(1);

    const badWindow = await herald.gql(`query { notificationStats(days: 0) { count } }`, {}, herald.tokens.ops);
    expect(badWindow.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('retryNotification requeues a failed notification with fresh attempts; retrying a sent one is CONFLICT', async () => {
    const failed = await notification('provider', { status: NotificationStatus.failed, channel: NotificationChannel.sms, attempts: 4, lastError: 'timeout', sentAt: null });
    const retried = await herald.gql<{ retryNotification: { status: string; attempts: number } }>(`mutation($id: ID!) { retryNotification(id: $id) { status attempts } }`, { id: failed.id }, herald.tokens.ops);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.retryNotification.attempts).toBe(0);
    expect(['queued', 'sending', 'sent', 'failed', 'skipped']).toContain(retried.data!.retryNotification.status);

    const sent = await notification('provider');
    const conflict = await herald.gql(`mutation($id: ID!) { retryNotification(id: $id) { id } }`, { id: sent.id }, herald.tokens.ops);
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'sent' });
  });

  it('cancelNotification stops a queued notification', async () => {
    const later = new Date(herald.clock.now().getTime() + 3_600_000);
    const queued = await notification('customer', { status: NotificationStatus.queued, dueAt: later, sentAt: null, channel: NotificationChannel.email });

    const cancelled = await herald.gql<{ cancelNotification: { status: string; reason: string } }>(`mutation($id: ID!) { cancelNotification(id: $id) { status reason } }`, { id: queued.id }, herald.tokens.ops);
    expect(cancelled.data!.cancelNotification).toEqual({ status: 'cancelled', reason: 'cancelled_by_operator' });

    const again = await herald.gql(`mutation($id: ID!) { cancelNotification(id: $id) { id } }`, { id: queued.id }, herald.tokens.ops);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'cancelled' });
    const unknown = await herald.gql(`mutation { cancelNotification(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, herald.tokens.ops);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('notificationReceived delivers only the subscriber’s own messages', async () => {
    const subscription = await herald.subscribe<{ notificationReceived: { id: string; subject: string } }>(`subscription { notificationReceived { id subject } }`, {}, herald.tokens.customer);
    const others = await notification('otherCustomer');
    const mine = await notification('customer', { subject: 'For you' });
    const live = herald.app.get(LiveEvents);
    await live.publish(notificationReceivedTopic(herald.users.otherCustomer.id), { notificationId: others.id, recipientId: herald.users.otherCustomer.id });
    await live.publish(notificationReceivedTopic(herald.users.customer.id), { notificationId: mine.id, recipientId: herald.users.customer.id });
    const event = await subscription.next(3000);
    expect(event.data!.notificationReceived).toEqual({ id: mine.id, subject: 'For you' });
    await subscription.close();
  });
});
