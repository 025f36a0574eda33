import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEntry } from '../src/core/audit/audit-entry.entity';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { dataOf, errorOf } from './bookings.fixtures';
import { insertNotification, rowOf, settled } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const HISTORY = `query($filter: NotificationsFilter) { notifications(filter: $filter, page: { first: 100 }) { nodes { id recipientId } } }`;
const INBOX = `query { myNotifications(page: { first: 100 }) { nodes { id } } }`;
const DELETE = `mutation($id: ID!) { deleteNotificationHistory(id: $id) { id status subject body } }`;
const STATS = `query($byType: Boolean) { notificationStats(days: 30, byType: $byType) { channel type status count } }`;
const TEST_SEND = `mutation($channel: NotificationChannel!, $type: NotificationType) {
  sendTestNotification(channel: $channel, type: $type) { id channel route providerMessageId subject text }
}`;

describe('notifications: history and test sends (e2e)', () => {
  let t: TestApp;
  let outboxDir: string;

  beforeAll(async () => {
    outboxDir = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
    t = await startTestApp({ env: { OUTBOX_DIR: outboxDir } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  const sentInApp = async () => {
    const row = await insertNotification(t, { channel: NotificationChannel.in_app });
    expect((await settled(t, row.id)).status).toBe(NotificationStatus.sent);
    return row;
  };
  const historyIds = async (filter: Record<string, unknown> = {}) =>
    dataOf(await t.gql<{ notifications: { nodes: { id: string }[] } }>(HISTORY, { filter }, t.tokens.ops)).notifications.nodes.map((node) => node.id);

  it("finds notifications by part of the recipient's name, email or phone, in any case", async () => {
    const mine = await sentInApp();
    const theirs = await insertNotification(t, { channel: NotificationChannel.in_app, recipient: 'otherCustomer' });
    const byName = await historyIds({ recipientSearch: t.users.customer.name.slice(0, 5).toUpperCase() });
    expect(byName).toContain(mine.id);
    expect(byName).not.toContain(theirs.id);
    expect(await historyIds({ recipientSearch: t.users.otherCustomer.email.split('@')[0] })).toContain(theirs.id);
    // Wildcards are taken literally.
    expect(await historyIds({ recipientSearch: '%' })).toEqual([]);
  });

  it('counts per type when asked', async () => {
    await sentInApp();
    const plain = dataOf(await t.gql<{ notificationStats: { type: string | null }[] }>(STATS, {}, t.tokens.ops)).notificationStats;
    expect(plain.every((row) => row.type === null)).toBe(true);
    const byType = dataOf(await t.gql<{ notificationStats: { channel: string; type: string; status: string; count: number }[] }>(STATS, { byType: true }, t.tokens.ops))
      .notificationStats;
    expect(byType).toContainEqual(expect.objectContaining({ channel: 'in_app', type: NotificationType.booking_reminder, status: 'sent', count: expect.any(Number) }));
  });

  describe('deleteNotificationHistory', () => {
    it('erases a finished notification from every list, keeps its row as the key, and records who did it', async () => {
      const row = await sentInApp();
      expect(await historyIds()).toContain(row.id);
      const deleted = dataOf(await t.gql<{ deleteNotificationHistory: Notification }>(DELETE, { id: row.id }, t.tokens.admin)).deleteNotificationHistory;
      expect(deleted).toMatchObject({ id: row.id, status: 'sent', subject: null, body: null });
      expect(await historyIds()).not.toContain(row.id);
      const inbox = dataOf(await t.gql<{ myNotifications: { nodes: { id: string }[] } }>(INBOX, {}, t.tokens.customer)).myNotifications.nodes;
      expect(inbox.map((node) => node.id)).not.toContain(row.id);
      const stored = await rowOf(t, row.id);
      expect(stored).toMatchObject({ dedupKey: row.dedupKey, historyDeletedAt: expect.any(Date), payload: {} });
      const audit = await t.orm.em.fork().find(AuditEntry, { subjectType: 'notification', subjectId: row.id });
      expect(audit).toEqual([expect.objectContaining({ actorId: t.users.admin.id, action: 'notification.history_deleted' })]);
      // Once deleted it is gone for the API too.
      expect(errorOf(await t.gql(DELETE, { id: row.id }, t.tokens.admin)).extensions).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses a notification still waiting to go, and anyone but an admin', async () => {
      const pending = await insertNotification(t, { channel: NotificationChannel.in_app, status: NotificationStatus.planned, dueInMs: 10 * 86_400_000 });
      expect(errorOf(await t.gql(DELETE, { id: pending.id }, t.tokens.admin)).extensions).toMatchObject({ code: 'CONFLICT', reason: 'NOTIFICATION_ILLEGAL_STATE' });
      expect(errorOf(await t.gql(DELETE, { id: pending.id }, t.tokens.ops)).extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await t.orm.em.fork().count(AuditEntry, { subjectId: pending.id })).toBe(0);
    });
  });

  describe('sendTestNotification', () => {
    it('sends the caller a sample in their language through the channel (here the development outbox)', async () => {
      const result = dataOf(await t.gql<{ sendTestNotification: { id: string; route: string; providerMessageId: string; subject: string } }>(TEST_SEND, { channel: 'email' }, t.tokens.customer))
        .sendTestNotification;
      expect(result).toMatchObject({ route: 'outbox', providerMessageId: `outbox:email/${result.id}.json` });
      expect(result.subject.length).toBeGreaterThan(0);
      expect(existsSync(join(outboxDir, 'email', `${result.id}.json`))).toBe(true);
    });

    it('says so when the caller cannot be reached on the channel', async () => {
      const error = errorOf(await t.gql(TEST_SEND, { channel: 'telegram', type: 'booking_confirmation' }, t.tokens.customer));
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_ADDRESS', channel: 'telegram' });
    });
  });
});
