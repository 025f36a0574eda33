import { EntityManager, FilterQuery, raw } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser, Role } from '../auth/role';
import { BookingsService } from '../bookings/bookings.service';
import { Clock } from '../core/clock/clock';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { InboxFilter, NotificationsFilter } from './dto/notification.input';
import { NotificationStat, TestNotificationResult } from './dto/notification.output';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType, PENDING_STATUSES } from './notification.entity';
import { ChannelRegistry } from './channels/channel-registry';
import { ChannelError, NOTHING_TO_RENEW } from './channels/channel-sender';
import { recordAudit } from '../core/audit/audit-log';
import { TemplatesService } from '../templates/templates.service';
import { User } from '../users/user.entity';
import { randomUUID } from 'node:crypto';
import { NotificationError } from './notifications.error';
import { NO_FALLBACK_SENT } from './delivery/maintenance.service';
import { NOTIFICATIONS_DUE_CHANNEL } from './delivery/dispatcher';

const NEWEST_FIRST = { dueAt: 'desc', id: 'desc' } as const;
/** States a notification no longer leaves on its own. */
const FINISHED_STATUSES: readonly NotificationStatus[] = [NotificationStatus.sent, NotificationStatus.failed, NotificationStatus.skipped, NotificationStatus.cancelled];
const RETRYABLE_BY_OPERATOR: readonly NotificationStatus[] = [NotificationStatus.failed, NotificationStatus.skipped, NotificationStatus.cancelled];

/** Reading notifications, the in-app inbox, and what operators may do to a single notification. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly bookings: BookingsService,
    private readonly channels: ChannelRegistry,
    private readonly templates: TemplatesService,
  ) {}

  async list(filter: NotificationsFilter = {}, page: PageInput = new PageInput()): Promise<Page<Notification>> {
    assertCursor(page.after);
    const where: FilterQuery<Notification> = { historyDeletedAt: null };
    if (filter.status?.length) where.status = { $in: filter.status };
    if (filter.channel?.length) where.channel = { $in: filter.channel };
    if (filter.type?.length) where.type = { $in: filter.type };
    if (filter.recipientId) where.recipient = filter.recipientId;
    if (filter.bookingId) where.booking = filter.bookingId;
    if (filter.recipientSearch) {
      const pattern = `%${filter.recipientSearch.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      where.recipient = { $or: [{ name: { $ilike: pattern } }, { email: { $ilike: pattern } }, { phone: { $ilike: pattern } }] };
    }
    if (filter.dueFrom || filter.dueTo) {
      where.dueAt = { ...(filter.dueFrom ? { $gte: filter.dueFrom } : {}), ...(filter.dueTo ? { $lt: filter.dueTo } : {}) };
    }
    return toPage(await this.em.findByCursor(Notification, where, { first: page.first, after: page.after, orderBy: NEWEST_FIRST }));
  }

  /** A booking's messages in time order: staff see all, the customer and provider their own. */
  async bookingTimeline(caller: AuthUser, bookingId: string): Promise<Notification[]> {
    await this.bookings.get(caller, bookingId);
    const where: FilterQuery<Notification> = { booking: bookingId, historyDeletedAt: null };
    if (!caller.has(Role.ops)) where.recipient = caller.id;
    return this.em.find(Notification, where, { orderBy: { dueAt: 'asc', createdAt: 'asc', id: 'asc' } });
  }

  /** The caller's in-app inbox: delivered in-app messages, newest first. */
  async inbox(caller: AuthUser, filter: InboxFilter = {}, page: PageInput = new PageInput()): Promise<Page<Notification>> {
    assertCursor(page.after);
    const where: FilterQuery<Notification> = { recipient: caller.id, channel: NotificationChannel.in_app, status: NotificationStatus.sent, historyDeletedAt: null };
    if (filter.unreadOnly) where.readAt = null;
    return toPage(await this.em.findByCursor(Notification, where, { first: page.first, after: page.after, orderBy: NEWEST_FIRST }));
  }

  async markRead(caller: AuthUser, id: string): Promise<Notification> {
    const notification = await this.em.findOne(Notification, { id, recipient: caller.id, channel: NotificationChannel.in_app, status: NotificationStatus.sent });
    if (!notification) throw NotificationError.notFound(id);
    notification.readAt ??= this.clock.now();
    await this.em.flush();
    return notification;
  }

  /**
   * Sends a failed, skipped or cancelled notification again, now, with a fresh set of retries.
   * Refused when a fallback standing in for it already reached the person: that would repeat it.
   */
  async retry(id: string): Promise<Notification> {
    const notification = await this.getOne(id);
    if (!RETRYABLE_BY_OPERATOR.includes(notification.status)) throw NotificationError.illegalState(id, 'retry', notification.status);
    const now = this.clock.now();
    const [moved] = await this.em.getConnection().execute<{ moved: number; fallback_sent: boolean }[]>(
      `with "fallback_sent" as (select not ${NO_FALLBACK_SENT} as "sent" from "notifications" where "id" = ?),
            "moved" as (
              update "notifications" set "status" = ?, "reason" = null, "attempts" = 0, "next_attempt_at" = null, "lease_until" = null, "due_at" = ?, "updated_at" = ?
               where "id" = ? and "status" in (?, ?, ?) and not (select "sent" from "fallback_sent") returning 1)
       select (select count(*) from "moved")::int as "moved", coalesce((select "sent" from "fallback_sent"), false) as "fallback_sent"`,
      [id, NotificationStatus.queued, now, now, id, ...RETRYABLE_BY_OPERATOR],
    );
    if (moved.fallback_sent) throw NotificationError.fallbackDelivered(id);
    if (moved.moved === 0) throw NotificationError.illegalState(id, 'retry', (await this.getOne(id)).status);
    // Wakes the dispatcher wherever it runs, as a new row's insert does.
    await this.em.getConnection().execute(`select pg_notify(?, '')`, [NOTIFICATIONS_DUE_CHANNEL]);
    return this.reload(id);
  }

  /** Stops a notification that has not been sent yet. */
  async cancel(id: string): Promise<Notification> {
    const moved = await this.em.nativeUpdate(
      Notification,
      { id, status: { $in: PENDING_STATUSES as NotificationStatus[] } },
      { status: NotificationStatus.cancelled, reason: NotificationReason.cancelled_by_operator },
    );
    if (moved === 0) {
      const current = await this.getOne(id);
      throw NotificationError.illegalState(id, 'cancel', current.status);
    }
    return this.reload(id);
  }

  /** Counts per channel and status (and per type, with `byType`) of notifications due in the last `days` days. */
  async stats(days: number, byType = false): Promise<NotificationStat[]> {
    const since = new Date(this.clock.now().getTime() - days * 86_400_000);
    const keys = byType ? (['channel', 'type', 'status'] as const) : (['channel', 'status'] as const);
    const rows = await this.em
      .createQueryBuilder(Notification)
      .select([...keys, raw('count(*) as count')])
      .where({ dueAt: { $gte: since } })
      .groupBy([...keys])
      .orderBy(Object.fromEntries(keys.map((key) => [key, 'asc'])))
      .execute<{ channel: NotificationChannel; type?: NotificationType; status: NotificationStatus; count: string }[]>('all', false);
    return rows.map((row) => ({ channel: row.channel, type: row.type ?? null, status: row.status, count: Number(row.count) }));
  }

  /**
   * Deletes a finished notification from the history (admins): its words, error and payload are
   * erased and it leaves every list, but the row stays as planning's key, so a replay plans
   * nothing again; counts still include it. Recorded in the audit log, in the same transaction.
   */
  async deleteHistory(caller: AuthUser, id: string): Promise<Notification> {
    return this.em.fork().transactional(async (tx) => {
      const notification = await tx.findOne(Notification, { id, historyDeletedAt: null });
      if (!notification) throw NotificationError.notFound(id);
      if (!FINISHED_STATUSES.includes(notification.status)) throw NotificationError.illegalState(id, 'delete from the history', notification.status);
      const now = this.clock.now();
      tx.assign(notification, { subject: null, body: null, lastError: null, payload: {}, historyDeletedAt: now });
      recordAudit(tx, {
        actorId: caller.id,
        action: 'notification.history_deleted',
        subjectType: 'notification',
        subjectId: id,
        details: { type: notification.type, channel: notification.channel, status: notification.status, recipientId: notification.recipient.id },
      });
      return notification;
    });
  }

  /**
   * Sends the caller a sample message of `type` on `channel` now, in their language, through the
   * channel's real sender (or the development outbox): seed 002's "test email" and "test SMS".
   */
  async sendTest(caller: AuthUser, channel: NotificationChannel, type: NotificationType): Promise<TestNotificationResult> {
    const user = await this.em.fork().findOne(User, { id: caller.id });
    if (!user) throw NotificationError.notFound(caller.id);
    const route = this.channels.routeOf(channel);
    if (route === 'unavailable') throw NotificationError.channelUnavailable(channel);
    const sender = this.channels.senderFor(channel);
    const address = sender.addressOf(user);
    if (!address) throw NotificationError.noAddress(channel);
    const { message, booking } = this.templates.sample(type, channel, user);
    const id = randomUUID();
    try {
      const receipt = await sender.send(id, address, message, { type, booking }, NOTHING_TO_RENEW);
      await receipt.afterRecorded?.();
      return { id, channel, route, providerMessageId: receipt.providerMessageId, subject: message.subject, text: message.text };
    } catch (error) {
      if (error instanceof ChannelError) throw NotificationError.testFailed(channel, error);
      throw error;
    }
  }

  /** Loads a notification outside any request (subscriptions), or null when it is gone. */
  findDetached(id: string): Promise<Notification | null> {
    return this.em.fork().findOne(Notification, { id });
  }

  private async getOne(id: string): Promise<Notification> {
    const notification = await this.em.findOne(Notification, { id });
    if (!notification) throw NotificationError.notFound(id);
    return notification;
  }

  private async reload(id: string): Promise<Notification> {
    return this.em.refreshOrFail(await this.getOne(id));
  }
}
