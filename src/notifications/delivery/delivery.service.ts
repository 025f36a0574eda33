import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ACTIVE_STATUSES, Booking, BookingStatus } from '../../bookings/booking.entity';
import { Clock } from '../../core/clock/clock';
import { pgArray, rawQuery } from '../../core/database/raw-query';
import { HeraldConfig } from '../../core/config/herald-config';
import { ChannelRegistry } from '../channels/channel-registry';
import { BeforeProviderCall, ChannelError, LeaseLost, NOTHING_TO_RENEW, SendReceipt } from '../channels/channel-sender';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType, PENDING_STATUSES } from '../notification.entity';
import { channelOrderFor } from '../planning/booking-plan';
import { DeliveryBatch } from '../queue/notification-queue';
import { MessageRenderer, RenderBooking, RenderedMessage, RenderNotification, RenderRecipient } from '../rendering/message-renderer';
import { User } from '../../users/user.entity';
import { RecipientPreferences } from '../../preferences/preference-rules';
import { PreferencesService } from '../../preferences/preferences.service';
import { ChannelOrders, channelOrdersFrom, fallbackDedupKey, nextFallbackChannel, reachableAtSendTime } from './fallback';
import { retryDelay } from './retry-policy';
import { localDayRange, quietHoursCall, whyUnwanted } from './send-time-check';

/** The NOTIFY channel new notification rows announce themselves on (see the dispatch migration): it wakes every dispatcher. */
export const NOTIFICATIONS_DUE_CHANNEL = 'herald_notifications_due';

/** What one delivery attempt came to. `retryAt` is by Herald's clock. */
export type DeliveryOutcome =
  /** Not due and queued (sent, cancelled, not yet due, or another worker has it), or given back unsent as this process stops: nothing was done. */
  | { status: 'not_claimed' }
  | { status: 'sent' }
  /** `fallbackId`: the row planned on the next channel, when the skip was for want of an address. */
  | { status: 'skipped'; reason: NotificationReason; fallbackId?: string }
  /** Due in the recipient's quiet hours: queued again for `until`, no attempt counted. */
  | { status: 'deferred'; until: Date }
  /** A retryable failure: queued again for `retryAt`. */
  | { status: 'retry'; retryAt: Date }
  /** Failed for good: permanent error, or retries used up. `fallbackId`: the row planned on the next channel. */
  | { status: 'failed'; fallbackId?: string };

/** What ending a row changes on it. */
type Ending = Partial<Pick<Notification, 'status' | 'reason' | 'lastError' | 'nextAttemptAt' | 'updatedAt'>>;

/** A claimed row with everything sending it needs, read in the statement that claims it. */
export interface DeliveryRow extends RenderNotification {
  channel: NotificationChannel;
  /** Counting this one. */
  attempts: number;
  /** The lease this attempt holds the row under: every write that ends it is conditioned on it. */
  leaseUntil: Date;
  offsetSeconds: number;
  bookingVersion: number | null;
  fallbackOf: string | null;
  /** With their preferences as they are now: a channel switched off since planning is unreachable. */
  recipient: RenderRecipient & { preferences: RecipientPreferences };
  booking: RenderBooking | null;
}

/** A message the provider accepted, waiting to be recorded with the others of its batch. */
interface Accepted {
  notification: DeliveryRow;
  message: RenderedMessage;
  receipt: SendReceipt;
}

/** Longest error text kept on the row. */
const MAX_ERROR_LENGTH = 1000;
/** Waits between tries to record accepted messages: a passing database fault must not make them look unsent. */
const RECORD_RETRY_DELAYS_MS = [100, 500, 2_000, 5_000];

/**
 * Sends notifications: claims their rows, checks each is still wanted, renders it, sends it on
 * its channel and records the outcome. Postgres decides everything (who sends, how many
 * attempts were made); queues only carry ids.
 *
 * A batch (the consumers' path) loads every row with its recipient and booking at once, sends
 * within the channel's concurrency, and records all accepted messages in one statement, retried
 * before anything else happens: a message the provider accepted is never sent again because
 * recording it failed once. Only if Postgres stays unreachable for every retry does the row
 * keep its `sending` lease and come back after NOTIFY_SENDING_TIMEOUT (the documented residual
 * window of a second send).
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
  /** Set as the process stops: no send starts any more. */
  private stopping = false;
  /** The rows of each batch being sent that no send has started on yet. */
  private readonly unstartedRows = new Set<DeliveryRow[]>();

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
    private readonly channels: ChannelRegistry,
    private readonly renderer: MessageRenderer,
    private readonly preferences: PreferencesService,
  ) {
    this.orders = channelOrdersFrom(config);
  }

  /**
   * From now on no send starts: the rows of the batches at hand not attempted yet go back to
   * `queued` now, unleased and with their attempt given back, so another worker sends them at
   * once, and so do those of any batch that arrives later. Sends already started end as usual.
   */
  async stopStarting(): Promise<void> {
    this.stopping = true;
    const rows = [...this.unstartedRows].flatMap((unstarted) => unstarted.splice(0));
    if (rows.length) await this.release(this.em.fork(), rows);
  }

  /** Sends one due queued notification now, in this process (operators' path). */
  async deliver(notificationId: string): Promise<DeliveryOutcome> {
    const em = this.em.fork();
    const now = this.clock.now();
    const claimed = await this.claimRows(
      em,
      `"id" = ? and "status" = ? and greatest("due_at", "next_attempt_at") <= ?`,
      [notificationId, NotificationStatus.queued, now],
    );
    if (claimed.length === 0) return { status: 'not_claimed' };
    const [outcome] = await this.send(em, claimed);
    return outcome;
  }

  /**
   * Sends a batch the dispatcher claimed on `channel`: the rows still under its lease (a batch
   * handed out again after its lease ran out finds its rows taken), each counting an attempt.
   * A channel whose sends take effect only once recorded keeps the dispatcher's lease and just
   * reads the rows; any other takes them under NOTIFY_SENDING_TIMEOUT first, since its provider
   * may have a message before Herald records it.
   */
  async deliverBatch(channel: NotificationChannel, batch: DeliveryBatch): Promise<DeliveryOutcome[]> {
    const em = this.em.fork();
    const where = `"id" = any(?::uuid[]) and "status" = ? and "lease_until" = ?`;
    const params = [pgArray(batch.ids), NotificationStatus.sending, new Date(batch.lease)];
    const rows = this.channels.recordsFirst(channel) ? await this.readLeased(em, where, params) : await this.claimRows(em, where, params);
    return rows.length ? this.send(em, rows) : [];
  }

  /**
   * Takes rows for sending in one conditional UPDATE (`sending`, one more attempt, leased for
   * NOTIFY_SENDING_TIMEOUT) that also reads each row's recipient and booking: one round trip
   * per batch, plain objects, no entity hydration. Only the rows the condition still matches come back.
   */
  private async claimRows(em: EntityManager, where: string, params: unknown[]): Promise<DeliveryRow[]> {
    const now = this.clock.now();
    return this.withContext(
      em,
      `update "notifications" set "status" = ?, "attempts" = "attempts" + 1, "lease_until" = ?, "updated_at" = ?
        where ${where}
        returning ${ROW_COLUMNS}, "attempts", "lease_until"`,
      [NotificationStatus.sending, new Date(now.getTime() + this.config.notificationTiming.sendingTimeoutMs), now, ...params],
    );
  }

  /** The rows `where` matches, read as claimRows would return them, counting this attempt, with no write. */
  private readLeased(em: EntityManager, where: string, params: unknown[]): Promise<DeliveryRow[]> {
    return this.withContext(em, `select ${ROW_COLUMNS}, "attempts" + 1 as "attempts", "lease_until" from "notifications" where ${where}`, params);
  }

  /** The rows `source` yields (a statement returning ROW_COLUMNS, attempts and lease_until), each with its recipient, their preferences (one more query) and booking. */
  private async withContext(em: EntityManager, source: string, params: unknown[]): Promise<DeliveryRow[]> {
    const rows = await rawQuery<Record<string, unknown>>(
      em,
      `with "claimed" as (${source})
       select c.*, ${RECIPIENT_COLUMNS},
              b."version" as "b_version", b."service_name", b."starts_at", b."ends_at", b."timezone" as "b_timezone", b."address", b."cancellation_reason", b."status" as "b_status",
              b."customer_id", bc."name" as "customer_name", b."provider_id", bp."name" as "provider_name"
         from "claimed" c
         join "users" r on r."id" = c."recipient_id"
         left join "bookings" b on b."id" = c."booking_id"
         left join "users" bc on bc."id" = b."customer_id"
         left join "users" bp on bp."id" = b."provider_id"`,
      params,
    );
    const preferences = await this.preferences.forUsers(em, rows.map((row) => row.recipient_id as string));
    return rows.map((row) => deliveryRowOf(row, preferences.get(row.recipient_id as string)!));
  }

  /**
   * Sends claimed rows within their channel's concurrency. In-app rows (whose send takes effect
   * only once recorded) are recorded together at the end. Any other row renews its lease right
   * before its provider request, after any wait for a rate limit's slot or a connection, and is
   * recorded as soon as its provider accepted it: a batch that outlasts the lease keeps each row
   * it is still to send, a send that waited past its lease gives way to the attempt that took the
   * row over, and a process killed mid-batch leaves only the sends in flight unrecorded.
   */
  private async send(em: EntityManager, notifications: DeliveryRow[]): Promise<DeliveryOutcome[]> {
    const accepted: Accepted[] = [];
    const outcomes = new Map<string, DeliveryOutcome>();
    const concurrency = this.config.sendConcurrency(notifications[0].channel);
    const oneByOne = !this.channels.recordsFirst(notifications[0].channel);
    // Sends take their rows from here; stopStarting takes those still in it.
    const unstarted = [...notifications];
    if (this.stopping) await this.release(em, unstarted.splice(0));
    this.unstartedRows.add(unstarted);
    try {
      await eachWithin(concurrency, unstarted, async (notification) => {
        try {
          const result = await this.attempt(em, notification, oneByOne ? () => this.renewLease(em, notification) : NOTHING_TO_RENEW);
          if (!('receipt' in result)) outcomes.set(notification.id, result);
          else if (oneByOne) await this.settleAccepted(em, [result], outcomes);
          else accepted.push(result);
        } catch (error) {
          outcomes.set(notification.id, error instanceof LeaseLost ? { status: 'not_claimed' } : await this.recordFailure(em, notification, error));
        }
      });
    } finally {
      this.unstartedRows.delete(unstarted);
    }
    if (accepted.length) await this.settleAccepted(em, accepted, outcomes);
    // A row without an outcome was given back unsent.
    return notifications.map((notification) => outcomes.get(notification.id) ?? { status: 'not_claimed' });
  }

  /** Records accepted messages as sent, notes each one's outcome, and runs their after-send steps. */
  private async settleAccepted(em: EntityManager, accepted: Accepted[], outcomes: Map<string, DeliveryOutcome>): Promise<void> {
    const recorded = await this.recordSent(em, accepted);
    for (const { notification } of accepted) outcomes.set(notification.id, recorded.has(notification.id) ? { status: 'sent' } : { status: 'not_claimed' });
    await Promise.all(
      accepted
        .filter(({ notification }) => recorded.has(notification.id))
        .map(({ notification, receipt }) =>
          receipt.afterRecorded?.().catch((error: unknown) => this.logger.warn(`Notification ${notification.id}: after-send step failed (${errorName(error)})`)),
        ),
    );
  }

  /**
   * Sees that a row's send starts with at least half its lease ahead: with less, extends the
   * lease from now, fenced on the lease it holds, or throws LeaseLost when another attempt has
   * taken the row over meanwhile (its lease ran out while this one waited), which then sends it.
   * With more, no other attempt can have it (rows come back only once their lease has run out),
   * and half a lease is time enough for one send: most sends then cost no statement here.
   */
  private async renewLease(em: EntityManager, notification: DeliveryRow): Promise<void> {
    const now = this.clock.now().getTime();
    const { sendingTimeoutMs } = this.config.notificationTiming;
    if (notification.leaseUntil.getTime() - now > sendingTimeoutMs / 2) return;
    const leaseUntil = new Date(now + sendingTimeoutMs);
    const renewed = await em.nativeUpdate(Notification, stillLeased(notification), { leaseUntil });
    if (renewed === 0) throw new LeaseLost(notification.id);
    notification.leaseUntil = leaseUntil;
  }

  /**
   * Gives rows this attempt holds but never sent back to `queued`: no lease, the attempt it
   * counted undone. Their NOTIFY wakes every dispatcher, so another worker takes them at once.
   */
  private async release(em: EntityManager, rows: DeliveryRow[]): Promise<void> {
    if (rows.length === 0) return;
    const released = await rawQuery<{ id: string }>(
      em,
      `with "released" as (
         update "notifications" n set "status" = ?, "lease_until" = null, "attempts" = r."attempts" - 1, "updated_at" = ?
           from jsonb_to_recordset(?::jsonb) as r("id" uuid, "attempts" int, "lease_until" timestamptz)
          where n."id" = r."id" and n."status" = ? and n."lease_until" = r."lease_until"
         returning n."id")
       select "id", pg_notify(?, '') from "released"`,
      [
        NotificationStatus.queued,
        this.clock.now(),
        JSON.stringify(rows.map((row) => ({ id: row.id, attempts: row.attempts, lease_until: row.leaseUntil.toISOString() }))),
        NotificationStatus.sending,
        NOTIFICATIONS_DUE_CHANNEL,
      ],
    );
    this.logger.log(`Stopping: ${released.length} notification(s) not sent yet are queued again for another worker`);
  }

  /** Checks, renders and sends one row; an accepted message is returned for recording, anything else is recorded here. */
  private async attempt(em: EntityManager, notification: DeliveryRow, beforeProviderCall: BeforeProviderCall): Promise<Accepted | DeliveryOutcome> {
    const { recipient, booking } = notification;
    const agenda = notification.type === NotificationType.provider_daily_agenda ? await this.agendaOf(em, notification) : null;
    const unwanted = whyUnwanted({
      notification,
      booking,
      agenda: agenda ? { bookings: agenda.bookings.length, dayEndsAt: agenda.dayEndsAt } : undefined,
      preferences: recipient.preferences,
      now: this.clock.now(),
    });
    if (unwanted) return this.recordSkipped(em, notification, unwanted);

    const quiet = quietHoursCall({ notification, booking, preferences: recipient.preferences, timezone: recipient.timezone, now: this.clock.now() });
    if (quiet?.kind === 'defer') return this.recordDeferred(em, notification, quiet.until);
    if (quiet?.kind === 'last_call') await this.skipHeldBack(em, notification, quiet.quietUntil, 'goes in quiet hours as the last reminder');

    // Switched off since planning (Telegram /stop, SMS unsubscribed, the user's preferences) counts as no address too.
    if (!reachableAtSendTime(notification.channel, recipient)) return this.recordSkipped(em, notification, NotificationReason.no_address);
    const sender = this.channels.senderFor(notification.channel);
    const address = sender.addressOf(recipient);
    if (!address) return this.recordSkipped(em, notification, NotificationReason.no_address);

    const message = await this.renderer.render({ notification, recipient, booking, agenda: agenda?.bookings }, notification.channel);
    const receipt = await sender.send(notification.id, address, message, { type: notification.type, booking }, beforeProviderCall);
    return { notification, message, receipt };
  }

  /**
   * Back to `queued` until the recipient's quiet hours end; the attempt this claim counted is
   * given back. Its kind's other reminders due before then are skipped: one message says it at
   * the end of the night, not one per reminder held back.
   */
  private async recordDeferred(em: EntityManager, notification: DeliveryRow, until: Date): Promise<DeliveryOutcome> {
    const deferred = await em.nativeUpdate(Notification, stillLeased(notification), {
      status: NotificationStatus.queued,
      attempts: notification.attempts - 1,
      nextAttemptAt: until,
      leaseUntil: null,
      updatedAt: this.clock.now(),
    });
    if (deferred === 0) return { status: 'not_claimed' };
    this.logger.log(`Notification ${notification.id} deferred to ${until.toISOString()}: the recipient's quiet hours`);
    if (notification.booking) await this.skipHeldBack(em, notification, until, 'speaks for them when the quiet hours end');
    return { status: 'deferred', until };
  }

  /**
   * This reminder speaks for the others of its kind still pending on external channels and due
   * before the quiet hours end (it goes now as the last one before the booking, or at the end
   * of the night): they are skipped (`quiet_hours`). `why` is for the log.
   */
  private async skipHeldBack(em: EntityManager, notification: DeliveryRow, quietUntil: Date, why: string): Promise<void> {
    const skipped = await em.nativeUpdate(
      Notification,
      {
        id: { $ne: notification.id },
        booking: notification.booking!.id,
        recipient: notification.recipient.id,
        type: notification.type,
        channel: { $ne: NotificationChannel.in_app },
        status: { $in: [...PENDING_STATUSES] },
        dueAt: { $lt: quietUntil },
      },
      { status: NotificationStatus.skipped, reason: NotificationReason.quiet_hours, updatedAt: this.clock.now() },
    );
    if (skipped > 0) this.logger.log(`Notification ${notification.id} ${why}; ${skipped} held-back one(s) skipped`);
  }

  /** That local day's active bookings of the provider, by start; null without an agenda date. */
  private async agendaOf(em: EntityManager, notification: DeliveryRow): Promise<{ bookings: Booking[]; dayEndsAt: Date } | null> {
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

  /**
   * Records accepted messages as sent in one statement, retried: the provider has them, so a
   * failure here must never let them look unsent. The ids it recorded; a row another attempt
   * holds now (its lease ran out and it was handed out again) is not among them.
   */
  private async recordSent(em: EntityManager, accepted: Accepted[]): Promise<Set<string>> {
    const now = this.clock.now();
    const records: SentRecord[] = accepted.map(({ notification, message, receipt }) => ({
      id: notification.id,
      attempts: notification.attempts,
      lease_until: notification.leaseUntil.toISOString(),
      provider_message_id: receipt.providerMessageId,
      subject: message.subject,
      body: message.text,
    }));
    for (let attempt = 0; ; attempt++) {
      try {
        const recorded = new Set(await this.writeSent(em, records, now));
        if (recorded.size < records.length) this.logger.warn(`${records.length - recorded.size} notification(s) were sent but their rows had moved on; recorded nothing for them`);
        for (const { notification } of accepted) {
          if (recorded.has(notification.id)) this.logger.log(`Notification ${notification.id} sent (${notification.type}, ${notification.channel}, attempt ${notification.attempts})`);
        }
        return recorded;
      } catch (error) {
        if (attempt >= RECORD_RETRY_DELAYS_MS.length) {
          this.logger.error(
            `Could not record ${records.length} sent notification(s) (${errorName(error)}); they keep their lease until it runs out: ${records.map((r) => r.id).join(', ')}`,
          );
          return new Set();
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /**
   * The one statement that records accepted messages (a seam for fault tests): rows still under
   * this attempt's lease; rows put back to `queued` meanwhile (a slow send taken for interrupted:
   * recording it stops a second one); and rows the provider's own report already marked sent
   * with the same message id. Returns the ids recorded.
   */
  async writeSent(em: EntityManager, records: SentRecord[], now: Date): Promise<string[]> {
    const rows = await rawQuery<{ id: string }>(
      em,
      `update "notifications" n set "status" = ?, "sent_at" = coalesce(n."sent_at", ?), "provider_message_id" = r."provider_message_id",
              "subject" = r."subject", "body" = r."body", "attempts" = greatest(n."attempts", r."attempts"),
              "next_attempt_at" = null, "lease_until" = null, "updated_at" = ?
         from jsonb_to_recordset(?::jsonb) as r("id" uuid, "attempts" int, "lease_until" timestamptz, "provider_message_id" text, "subject" text, "body" text)
        where n."id" = r."id"
          and ((n."status" = ? and n."lease_until" = r."lease_until") or n."status" = ?
               or (n."status" = ? and n."provider_message_id" = r."provider_message_id"))
       returning n."id"`,
      [NotificationStatus.sent, now, now, JSON.stringify(records), NotificationStatus.sending, NotificationStatus.queued, NotificationStatus.sent],
    );
    return rows.map((row) => row.id);
  }

  private async recordSkipped(em: EntityManager, notification: DeliveryRow, reason: NotificationReason): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    const ending: Ending = { status: NotificationStatus.skipped, reason, nextAttemptAt: null, updatedAt: now };
    const fallbackId = await this.end(em, notification, ending, reason === NotificationReason.no_address);
    this.logger.log(`Notification ${notification.id} skipped: ${reason}`);
    return fallbackId ? { status: 'skipped', reason, fallbackId } : { status: 'skipped', reason };
  }

  /**
   * Moves the row from `sending` to its end and, when `fallBack` and the row really was still
   * ours, plans the next channel in the same transaction; the new row, due now, wakes the
   * dispatcher through its insert's NOTIFY. The fallback row's id, if any.
   */
  private async end(em: EntityManager, notification: DeliveryRow, ending: Ending, fallBack: boolean): Promise<string | null> {
    const fallback = await em.transactional(async (tx) => {
      const ended = await tx.nativeUpdate(Notification, stillLeased(notification), { ...ending, attempts: notification.attempts, leaseUntil: null });
      return ended > 0 && fallBack ? this.planFallback(tx, notification) : null;
    });
    return fallback?.id ?? null;
  }

  /** Inserts the row on the next channel, ON CONFLICT (dedup_key) DO NOTHING. Null when there is none or it exists. */
  private async planFallback(em: EntityManager, previous: DeliveryRow): Promise<{ id: string; dueAt: Date } | null> {
    const recipientId = previous.recipient.id;
    const user = await em.findOne(User, { id: recipientId }, { refresh: true });
    if (!user) return null;
    const recipient = { email: user.email, phone: user.phone, telegramChatId: user.telegramChatId, telegramOffAt: user.telegramOffAt, smsOffAt: user.smsOffAt, preferences: previous.recipient.preferences };
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
  private async chainChannels(em: EntityManager, last: DeliveryRow): Promise<Notification['channel'][]> {
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
  private async recordFailure(em: EntityManager, notification: DeliveryRow, error: unknown): Promise<DeliveryOutcome> {
    const channelError = error instanceof ChannelError ? error : null;
    const retryable = channelError?.retryable ?? true;
    const lastError = errorText(error);
    const delay = retryable ? retryDelay(notification.attempts, this.config.notificationTiming.retryDelaysMs, channelError?.retryAfterMs) : null;
    const now = this.clock.now();
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
    await em.nativeUpdate(Notification, stillLeased(notification), {
      status: NotificationStatus.queued,
      attempts: notification.attempts,
      lastError,
      nextAttemptAt: retryAt,
      leaseUntil: null,
      updatedAt: now,
    });
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

/** An accepted message as writeSent records it. */
export interface SentRecord {
  id: string;
  attempts: number;
  lease_until: string;
  provider_message_id: string | null;
  subject: string;
  body: string;
}

/** The row as this attempt holds it: still `sending` under its lease. */
const stillLeased = (notification: DeliveryRow) => ({ id: notification.id, status: NotificationStatus.sending, leaseUntil: notification.leaseUntil });

/** The notification's own columns a delivery reads (attempts and lease_until come with each statement). */
const ROW_COLUMNS = ['id', 'type', 'channel', 'due_at', 'payload', 'offset_seconds', 'booking_version', 'fallback_of', 'recipient_id', 'booking_id']
  .map((column) => `"${column}"`)
  .join(', ');

const RECIPIENT_COLUMNS = ['name', 'email', 'phone', 'telegram_chat_id', 'telegram_off_at', 'sms_off_at', 'locale', 'timezone']
  .map((column) => `r."${column}" as "r_${column}"`)
  .join(', ');

const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));

/** The claimed row, its recipient and booking, from the claim statement's columns. */
function deliveryRowOf(row: Record<string, unknown>, preferences: RecipientPreferences): DeliveryRow {
  return {
    id: row.id as string,
    type: row.type as NotificationType,
    channel: row.channel as NotificationChannel,
    dueAt: new Date(row.due_at as string),
    payload: (row.payload as DeliveryRow['payload']) ?? {},
    attempts: Number(row.attempts),
    leaseUntil: new Date(row.lease_until as string),
    offsetSeconds: Number(row.offset_seconds),
    bookingVersion: row.booking_version === null ? null : Number(row.booking_version),
    fallbackOf: (row.fallback_of as string | null) ?? null,
    recipient: {
      id: row.recipient_id as string,
      name: row.r_name as string,
      email: row.r_email as string,
      phone: (row.r_phone as string | null) ?? null,
      telegramChatId: (row.r_telegram_chat_id as string | null) ?? null,
      telegramOffAt: dateOrNull(row.r_telegram_off_at),
      smsOffAt: dateOrNull(row.r_sms_off_at),
      locale: row.r_locale as string,
      timezone: row.r_timezone as string,
      preferences,
    },
    booking: row.booking_id
      ? {
          id: row.booking_id as string,
          version: Number(row.b_version),
          serviceName: row.service_name as string,
          startsAt: new Date(row.starts_at as string),
          endsAt: new Date(row.ends_at as string),
          timezone: row.b_timezone as string,
          address: (row.address as string | null) ?? null,
          cancellationReason: (row.cancellation_reason as string | null) ?? null,
          status: row.b_status as BookingStatus,
          customer: { id: row.customer_id as string, name: row.customer_name as string },
          provider: { id: row.provider_id as string, name: row.provider_name as string },
        }
      : null,
  };
}

/** Runs `work` on the items of `queue`, each taken from its front, at most `limit` at a time, until it is empty (items others take from it meanwhile are not run). */
async function eachWithin<T>(limit: number, queue: T[], work: (item: T) => Promise<void>): Promise<void> {
  const lanes = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(lanes);
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
