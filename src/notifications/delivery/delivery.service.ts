import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ACTIVE_STATUSES, Booking } from '../../bookings/booking.entity';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { ChannelRegistry } from '../channels/channel-registry';
import { ChannelError, SendReceipt } from '../channels/channel-sender';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType } from '../notification.entity';
import { channelOrderFor } from '../planning/booking-plan';
import { NotificationQueue } from '../queue/notification-queue';
import { MessageRenderer, RenderedMessage } from '../rendering/message-renderer';
import { User } from '../../users/user.entity';
import { ChannelOrders, channelOrdersFrom, fallbackDedupKey, nextFallbackChannel, reachableAtSendTime } from './fallback';
import { retryDelay } from './retry-policy';
import { localDayRange, whyUnwanted } from './send-time-check';

/** What one delivery attempt came to. `retryAt` is by Herald's clock. */
export type DeliveryOutcome =
  /** Not queued (sent, cancelled, or another worker has it): nothing was done. */
  | { status: 'not_claimed' }
  /** Queued but not due yet (the job fired early): left queued, try again at `retryAt`. */
  | { status: 'early'; retryAt: Date }
  | { status: 'sent' }
  /** `fallbackId`: the row planned on the next channel, when the skip was for want of an address. */
  | { status: 'skipped'; reason: NotificationReason; fallbackId?: string }
  /** A retryable failure: queued again for `retryAt`. */
  | { status: 'retry'; retryAt: Date }
  /** Failed for good: permanent error, or retries used up. `fallbackId`: the row planned on the next channel. */
  | { status: 'failed'; fallbackId?: string };

/** What ending a row changes on it. */
type Ending = Partial<Pick<Notification, 'status' | 'reason' | 'lastError' | 'nextAttemptAt' | 'updatedAt'>>;

/** Longest error text kept on the row. */
const MAX_ERROR_LENGTH = 1000;

/**
 * Sends one notification: claims its row, checks it is still wanted, renders it, sends it on
 * its channel and records the outcome. Postgres decides everything (who sends, how many
 * attempts were made); the caller only moves the queue job when told to retry later.
 *
 * Fallback: a row that ends `skipped`/`no_address` or `failed` (permanent error, or retries used
 * up) plans the next channel of its type's order in the same transaction (see fallback.ts): a
 * new row due now, `fallbackOf` = this row, keyed like planning would key it, so replays never
 * make it twice. Retryable failures retry first; other skips (too late, booking changed) do not
 * fall back, since no channel would send them.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly orders: ChannelOrders;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
    private readonly channels: ChannelRegistry,
    private readonly renderer: MessageRenderer,
    private readonly queue: NotificationQueue,
  ) {
    this.orders = channelOrdersFrom(config);
  }

  async deliver(notificationId: string): Promise<DeliveryOutcome> {
    // Queue jobs have no request context: every delivery works in its own.
    const em = this.em.fork();
    const notification = await this.claim(em, notificationId);
    if (!notification) return this.unclaimed(em, notificationId);
    try {
      return await this.attempt(em, notification);
    } catch (error) {
      return this.recordFailure(em, notification, error);
    }
  }

  /**
   * queued → sending in one conditional UPDATE, counting the attempt. Only a due row is
   * claimed, so a job that fires early costs no attempt. Null when the row is not there to take.
   */
  private async claim(em: EntityManager, id: string): Promise<Notification | null> {
    const now = this.clock.now();
    const rows = await em.getConnection().execute<Record<string, unknown>[]>(
      `update "notifications" set "status" = ?, "attempts" = "attempts" + 1, "updated_at" = ?
        where "id" = ? and "status" = ? and greatest("due_at", "next_attempt_at") <= ?
        returning *`,
      [NotificationStatus.sending, now, id, NotificationStatus.queued, now],
    );
    return rows.length ? em.map(Notification, rows[0]) : null;
  }

  private async unclaimed(em: EntityManager, id: string): Promise<DeliveryOutcome> {
    const row = await em.findOne(Notification, { id }, { fields: ['status', 'dueAt', 'nextAttemptAt'] });
    if (row?.status !== NotificationStatus.queued) return { status: 'not_claimed' };
    return { status: 'early', retryAt: row.nextAttemptAt && row.nextAttemptAt > row.dueAt ? row.nextAttemptAt : row.dueAt };
  }

  private async attempt(em: EntityManager, notification: Notification): Promise<DeliveryOutcome> {
    await em.populate(notification, ['recipient', 'booking.customer', 'booking.provider']);
    const { recipient, booking } = notification;
    const agenda = notification.type === NotificationType.provider_daily_agenda ? await this.agendaOf(em, notification) : null;
    const unwanted = whyUnwanted({
      notification,
      booking,
      agenda: agenda ? { bookings: agenda.bookings.length, dayEndsAt: agenda.dayEndsAt } : undefined,
      now: this.clock.now(),
    });
    if (unwanted) return this.recordSkipped(em, notification, unwanted);

    // Switched off since planning (Telegram /stop, SMS unsubscribed) counts as no address too.
    if (!reachableAtSendTime(notification.channel, recipient)) return this.recordSkipped(em, notification, NotificationReason.no_address);
    const sender = this.channels.senderFor(notification.channel);
    const address = sender.addressOf(recipient);
    if (!address) return this.recordSkipped(em, notification, NotificationReason.no_address);

    const message = await this.renderer.render({ notification, recipient, booking, agenda: agenda?.bookings });
    const receipt = await sender.send(notification.id, address, message);
    await this.recordSent(em, notification, message, receipt);
    if (receipt.afterRecorded) {
      await receipt.afterRecorded().catch((error: unknown) => this.logger.warn(`Notification ${notification.id}: after-send step failed (${errorName(error)})`));
    }
    return { status: 'sent' };
  }

  /** That local day's active bookings of the provider, by start; null without an agenda date. */
  private async agendaOf(em: EntityManager, notification: Notification): Promise<{ bookings: Booking[]; dayEndsAt: Date } | null> {
    const date = notification.payload.agendaDate;
    if (!date) return null;
    const { from, to } = localDayRange(date, notification.recipient.timezone);
    const bookings = await em.find(
      Booking,
      { provider: notification.recipient.id, status: { $in: [...ACTIVE_STATUSES] }, startsAt: { $gte: from, $lt: to } },
      { orderBy: { startsAt: 'asc', id: 'asc' }, populate: ['customer', 'provider'] },
    );
    return { bookings, dayEndsAt: to };
  }

  private async recordSent(em: EntityManager, notification: Notification, message: RenderedMessage, receipt: SendReceipt): Promise<void> {
    const now = this.clock.now();
    // Also from `queued`: had a slow send been taken for interrupted and requeued, this stops a second one.
    const updated = await em.nativeUpdate(
      Notification,
      { id: notification.id, status: { $in: [NotificationStatus.sending, NotificationStatus.queued] } },
      {
        status: NotificationStatus.sent,
        sentAt: now,
        providerMessageId: receipt.providerMessageId,
        subject: message.subject,
        body: message.text,
        nextAttemptAt: null,
        updatedAt: now,
      },
    );
    if (updated === 0) this.logger.warn(`Notification ${notification.id} was sent but its row had moved on; recorded nothing`);
    else this.logger.log(`Notification ${notification.id} sent (${notification.type}, ${notification.channel}, attempt ${notification.attempts})`);
  }

  private async recordSkipped(em: EntityManager, notification: Notification, reason: NotificationReason): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    const ending: Ending = { status: NotificationStatus.skipped, reason, nextAttemptAt: null, updatedAt: now };
    const fallbackId = await this.end(em, notification, ending, reason === NotificationReason.no_address);
    this.logger.log(`Notification ${notification.id} skipped: ${reason}`);
    return fallbackId ? { status: 'skipped', reason, fallbackId } : { status: 'skipped', reason };
  }

  /**
   * Moves the row from `sending` to its end and, when `fallBack` and the row really was still
   * ours, plans the next channel in the same transaction; the new row's job is added after the
   * commit (should Redis miss it, reconcile rebuilds it from Postgres). The fallback row's id, if any.
   */
  private async end(em: EntityManager, notification: Notification, ending: Ending, fallBack: boolean): Promise<string | null> {
    const fallback = await em.transactional(async (tx) => {
      const ended = await tx.nativeUpdate(Notification, { id: notification.id, status: NotificationStatus.sending }, ending);
      return ended > 0 && fallBack ? this.planFallback(tx, notification) : null;
    });
    if (!fallback) return null;
    await this.queue
      .enqueue([fallback])
      .catch((error: unknown) => this.logger.warn(`Notification ${fallback.id}: fallback job not added (${errorName(error)}); reconcile will add it`));
    return fallback.id;
  }

  /** Inserts the row on the next channel, ON CONFLICT (dedup_key) DO NOTHING. Null when there is none or it exists. */
  private async planFallback(em: EntityManager, previous: Notification): Promise<{ id: string; dueAt: Date } | null> {
    const recipientId = previous.recipient.id;
    const recipient = await em.findOne(User, { id: recipientId }, { refresh: true });
    if (!recipient) return null;
    const tried = await this.chainChannels(em, previous);
    const channel = nextFallbackChannel({ order: channelOrderFor(previous.type, this.orders), current: previous.channel, tried, recipient });
    if (!channel) {
      if (previous.channel !== NotificationChannel.in_app) this.logger.log(`Notification ${previous.id}: no channel left to fall back to`);
      return null;
    }
    const now = this.clock.now();
    const bookingId = previous.booking?.id ?? null;
    const dedupKey = fallbackDedupKey(
      { id: previous.id, type: previous.type, offsetSeconds: previous.offsetSeconds, bookingVersion: previous.bookingVersion, payload: previous.payload, bookingId, recipientId },
      channel,
    );
    const inserted: { id: string }[] = await em
      .createQueryBuilder(Notification)
      .insert({
        id: randomUUID(),
        createdAt: now,
        updatedAt: now,
        recipient: recipientId,
        booking: bookingId,
        type: previous.type,
        channel,
        offsetSeconds: previous.offsetSeconds,
        dueAt: now,
        status: NotificationStatus.queued,
        attempts: 0,
        bookingVersion: previous.bookingVersion,
        payload: previous.payload,
        dedupKey,
        fallbackOf: previous.id,
      })
      .onConflict('dedupKey')
      .ignore()
      .returning(['id'])
      .execute('all');
    if (inserted.length === 0) {
      this.logger.log(`Notification ${previous.id}: its ${channel} fallback exists already`);
      return null;
    }
    this.logger.log(`Notification ${previous.id} falls back from ${previous.channel} to ${channel} (${inserted[0].id})`);
    return { id: inserted[0].id, dueAt: now };
  }

  /** The channels of the chain ending at `last`: its own and those of every row it stands in for. */
  private async chainChannels(em: EntityManager, last: Notification): Promise<Notification['channel'][]> {
    if (!last.fallbackOf) return [last.channel];
    const rows = await em.getConnection().execute<{ channel: Notification['channel'] }[]>(
      `with recursive chain ("id", "channel", "fallback_of", "depth") as (
         select "id", "channel", "fallback_of", 1 from "notifications" where "id" = ?
         union all
         select n."id", n."channel", n."fallback_of", c."depth" + 1 from "notifications" n join chain c on n."id" = c."fallback_of" where c."depth" < 10
       ) select "channel" from chain`,
      [last.fallbackOf],
    );
    return [last.channel, ...rows.map((row) => row.channel)];
  }

  /** A ChannelError says whether to retry; anything else is taken for a passing fault and retried. */
  private async recordFailure(em: EntityManager, notification: Notification, error: unknown): Promise<DeliveryOutcome> {
    const channelError = error instanceof ChannelError ? error : null;
    const retryable = channelError?.retryable ?? true;
    const lastError = errorText(error);
    const delay = retryable ? retryDelay(notification.attempts, this.config.notificationTiming.retryDelaysMs, channelError?.retryAfterMs) : null;
    const now = this.clock.now();
    const where = { id: notification.id, status: NotificationStatus.sending };
    if (delay === null) {
      // Undeliverable on this channel, whether at once or after every retry: the next one takes over.
      const fallbackId = await this.end(em, notification, { status: NotificationStatus.failed, lastError, nextAttemptAt: null, updatedAt: now }, true);
      this.logger.warn(
        `Notification ${notification.id} failed after attempt ${notification.attempts} (${retryable ? 'retries used up' : 'permanent'}: ${errorName(error)})`,
      );
      if (!channelError) this.logUnexpected(notification.id, error);
      return fallbackId ? { status: 'failed', fallbackId } : { status: 'failed' };
    }
    const retryAt = new Date(now.getTime() + delay);
    await em.nativeUpdate(Notification, where, { status: NotificationStatus.queued, lastError, nextAttemptAt: retryAt, updatedAt: now });
    this.logger.warn(`Notification ${notification.id} attempt ${notification.attempts} failed (${errorName(error)}); retrying in ${delay} ms`);
    if (!channelError) this.logUnexpected(notification.id, error);
    return { status: 'retry', retryAt };
  }

  /** Where a bug threw: the stack frames without the message line, which might quote an address. */
  private logUnexpected(notificationId: string, error: unknown): void {
    const frames = error instanceof Error && error.stack ? error.stack.split('\n').slice(1).join('\n') : undefined;
    this.logger.error(`Notification ${notificationId}: unexpected ${errorName(error)}`, frames);
  }
}

/** What is kept on the row: the message, prefixed by the channel's code when it gave one. */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ChannelError && error.code ? `${error.code}: ` : '';
  return (code + message).slice(0, MAX_ERROR_LENGTH);
}

/** What the logs get: a class name and code, never a message that might carry an address. */
function errorName(error: unknown): string {
  if (error instanceof ChannelError) return `${error.retryable ? 'retryable' : 'permanent'} ChannelError${error.code ? ` ${error.code}` : ''}`;
  return error instanceof Error ? error.name : typeof error;
}
