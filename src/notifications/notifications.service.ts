import { EntityManager, FilterQuery, raw } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser, Role } from '../auth/role';
import { BookingsService } from '../bookings/bookings.service';
import { Clock } from '../core/clock/clock';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { InboxFilter, NotificationsFilter } from './dto/notification.input';
import { NotificationStat } from './dto/notification.output';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, PENDING_STATUSES } from './notification.entity';
import { NotificationError } from './notifications.error';
import { NO_FALLBACK_SENT } from './delivery/maintenance.service';
import { NOTIFICATIONS_DUE_CHANNEL } from './delivery/dispatcher';

const NEWEST_FIRST = { dueAt: 'desc', id: 'desc' } as const;
const RETRYABLE_BY_OPERATOR: readonly NotificationStatus[] = [NotificationStatus.failed, NotificationStatus.skipped, NotificationStatus.cancelled];

/** Reading notifications, the in-app inbox, and what operators may do to a single notification. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly bookings: BookingsService,
  ) {}

  async list(filter: NotificationsFilter = {}, page: PageInput = new PageInput()): Promise<Page<Notification>> {
    assertCursor(page.after);
    const where: FilterQuery<Notification> = {};
    if (filter.status?.length) where.status = { $in: filter.status };
    if (filter.channel?.length) where.channel = { $in: filter.channel };
    if (filter.type?.length) where.type = { $in: filter.type };
    if (filter.recipientId) where.recipient = filter.recipientId;
    if (filter.bookingId) where.booking = filter.bookingId;
    if (filter.dueFrom || filter.dueTo) {
      where.dueAt = { ...(filter.dueFrom ? { $gte: filter.dueFrom } : {}), ...(filter.dueTo ? { $lt: filter.dueTo } : {}) };
    }
    return toPage(await this.em.findByCursor(Notification, where, { first: page.first, after: page.after, orderBy: NEWEST_FIRST }));
  }

  /** A booking's messages in time order: staff see all, the customer and provider their own. */
  async bookingTimeline(caller: AuthUser, bookingId: string): Promise<Notification[]> {
    await this.bookings.get(caller, bookingId);
    const where: FilterQuery<Notification> = { booking: bookingId };
    if (!caller.has(Role.ops)) where.recipient = caller.id;
    return this.em.find(Notification, where, { orderBy: { dueAt: 'asc', createdAt: 'asc', id: 'asc' } });
  }

  /** The caller's in-app inbox: delivered in-app messages, newest first. */
  async inbox(caller: AuthUser, filter: InboxFilter = {}, page: PageInput = new PageInput()): Promise<Page<Notification>> {
    assertCursor(page.after);
    const where: FilterQuery<Notification> = { recipient: caller.id, channel: NotificationChannel.in_app, status: NotificationStatus.sent };
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

  /** Counts per channel and status of notifications due in the last `days` days. */
  async stats(days: number): Promise<NotificationStat[]> {
    const since = new Date(this.clock.now().getTime() - days * 86_400_000);
    const rows = await this.em
      .createQueryBuilder(Notification)
      .select(['channel', 'status', raw('count(*) as count')])
      .where({ dueAt: { $gte: since } })
      .groupBy(['channel', 'status'])
      .orderBy({ channel: 'asc', status: 'asc' })
      .execute<{ channel: NotificationChannel; status: NotificationStatus; count: string }[]>('all', false);
    return rows.map((row) => ({ channel: row.channel, status: row.status, count: Number(row.count) }));
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
