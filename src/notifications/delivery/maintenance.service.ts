import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationChannel, NotificationStatus, NotificationType } from '../notification.entity';
import { BookingEventRelay } from '../planning/booking-event-relay';
import { DeliveryService } from './delivery.service';
import { maxAttempts } from './retry-policy';

export interface SendPendingOptions {
  /** Deliver at most this many (default 100). */
  max?: number;
  /** First give failed notifications with attempts left another go. */
  retryFailed?: boolean;
  /** Change nothing; report what would be sent. */
  dryRun?: boolean;
}

export interface PendingCandidate {
  id: string;
  type: NotificationType;
  channel: NotificationChannel;
  recipientId: string;
  dueAt: Date;
}

/** What one `sendPending` pass did; a dry run fills only `considered`, `requeued` and `wouldSend`. */
export interface SendPendingSummary {
  /** Due notifications taken up (a dry run: that would be). */
  considered: number;
  sent: number;
  /** Failed for good in this pass. */
  failed: number;
  skipped: number;
  /** Hit a retryable failure and are queued for another attempt. */
  retried: number;
  /** Failed notifications given another go (`retryFailed`; a dry run: that would be). */
  requeued: number;
  /** Dry run only: what would be sent, in order. */
  wouldSend: PendingCandidate[];
}

export interface ReconcileSummary {
  /** `planned` rows entering the horizon, now `queued`. */
  promoted: number;
  /** Rows whose lease ran out (a lost batch, a dead process), put back to `queued`. */
  interrupted: number;
}

const DAY = 86_400_000;
/** Rows per promote and cleanup statement. */
const BATCH = 1000;
/** A row is due at its due time, or at its next attempt when that is later (Postgres' greatest skips nulls). */
const EFFECTIVE_DUE = `greatest("due_at", "next_attempt_at")`;
/** Finished statuses whose rows cleanup deletes after the retention period. */
const FINISHED = [NotificationStatus.sent, NotificationStatus.cancelled, NotificationStatus.skipped];
/** A failed row none of whose fallbacks went out: only such a row may be sent again. */
export const NO_FALLBACK_SENT = `not exists (
  with recursive chain ("id") as (
    select f."id" from "notifications" f where f."fallback_of" = "notifications"."id"
    union all
    select f."id" from "notifications" f join chain c on f."fallback_of" = c."id"
  ) select 1 from chain join "notifications" s on s."id" = chain."id" where s."status" = 'sent')`;

/**
 * Keeps the due-queue moving: promotes rows entering the horizon, puts back rows whose lease ran
 * out, deletes old finished rows, and lets an operator send what is due by hand. Every step is
 * idempotent and bounded per statement, so any number of runs is safe.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger(MaintenanceService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
    private readonly delivery: DeliveryService,
    private readonly relay: BookingEventRelay,
  ) {}

  /** `planned` rows due within the horizon become `queued`, a batch per statement. Returns how many. */
  async promote(): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.config.notificationTiming.queueHorizonMs);
    let promoted = 0;
    for (;;) {
      const rows = await this.execute<{ id: string }>(
        `update "notifications" set "status" = ?, "updated_at" = ?
          where "id" in (select "id" from "notifications" where "status" = ? and "due_at" <= ? order by "due_at" limit ? for update skip locked)
          returning "id"`,
        [NotificationStatus.queued, now, NotificationStatus.planned, horizon, BATCH],
      );
      promoted += rows.length;
      if (rows.length < BATCH) break;
    }
    if (promoted) this.logger.log(`Promoted ${promoted} notification(s) into the queue`);
    return promoted;
  }

  /** Puts rows whose `sending` lease ran out back to `queued`, at most `limit`. Returns their ids. */
  async requeueExpired(limit: number): Promise<string[]> {
    const now = this.clock.now();
    const rows = await this.execute<{ id: string }>(
      `update "notifications" set "status" = ?, "lease_until" = null, "updated_at" = ?
        where "id" in (select "id" from "notifications" where "status" = ? and "lease_until" < ? limit ? for update skip locked)
        returning "id"`,
      [NotificationStatus.queued, now, NotificationStatus.sending, now, limit],
    );
    if (rows.length) this.logger.warn(`Put back ${rows.length} notification(s) whose lease ran out`);
    return rows.map((row) => row.id);
  }

  /** What the scheduler does every tick and the dispatcher every pass, at once: for operators. */
  async reconcile(): Promise<ReconcileSummary> {
    const promoted = await this.promote();
    let interrupted = 0;
    for (;;) {
      const ids = await this.requeueExpired(BATCH);
      interrupted += ids.length;
      if (ids.length < BATCH) break;
    }
    return { promoted, interrupted };
  }

  /**
   * Deletes sent, cancelled and skipped rows due and finished more than NOTIFY_RETENTION_DAYS ago,
   * once nothing can plan them again: a row's dedup key is what keeps schedule-all from planning
   * it twice, so rows stay until their booking ended that long ago too (rows without a booking,
   * such as agendas, are keyed by a day then long past). The (status, due_at) index finds them.
   * Returns how many.
   */
  async cleanup(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.notificationTiming.retentionDays * DAY);
    let deleted = 0;
    for (;;) {
      const rows = await this.execute<{ id: string }>(
        `delete from "notifications" where "id" in (
           select "n"."id" from "notifications" as "n"
            where "n"."status" in (?, ?, ?) and "n"."due_at" < ? and coalesce("n"."sent_at", "n"."updated_at") < ?
              and not exists (select 1 from "bookings" as "b" where "b"."id" = "n"."booking_id" and "b"."ends_at" >= ?)
            limit ?
         ) returning "id"`,
        [...FINISHED, cutoff, cutoff, cutoff, BATCH],
      );
      deleted += rows.length;
      if (rows.length < BATCH) break;
    }
    if (deleted) this.logger.log(`Deleted ${deleted} finished notification(s) older than ${this.config.notificationTiming.retentionDays} days`);
    return deleted;
  }

  /**
   * Delivers due notifications now, in this process, oldest first, up to `max`: for operators
   * when workers are down or behind. Booking events not yet planned are planned first (the relay
   * runs on workers). With `retryFailed`, failed notifications with attempts left are first
   * queued again. A dry run plans, and otherwise changes nothing and lists what would be sent.
   */
  async sendPending(options: SendPendingOptions = {}): Promise<SendPendingSummary> {
    await this.relay.drain();
    const max = options.max ?? 100;
    const now = this.clock.now();
    const attemptsLimit = maxAttempts(this.config.notificationTiming.retryDelaysMs);
    const summary: SendPendingSummary = { considered: 0, sent: 0, failed: 0, skipped: 0, retried: 0, requeued: 0, wouldSend: [] };

    if (options.dryRun) {
      const candidates = await this.candidates(now, max, options.retryFailed ? attemptsLimit : null);
      const [{ count }] = options.retryFailed
        ? await this.execute<{ count: number }>(`select count(*)::int as "count" from "notifications" where "status" = ? and "attempts" < ? and ${NO_FALLBACK_SENT}`, [
            NotificationStatus.failed,
            attemptsLimit,
          ])
        : [{ count: 0 }];
      return { ...summary, considered: candidates.length, requeued: count, wouldSend: candidates };
    }

    if (options.retryFailed) {
      // A failed row whose fallback reached the person stays failed: sending it again would repeat the message.
      const requeued = await this.execute<{ id: string }>(
        `update "notifications" set "status" = ?, "next_attempt_at" = null, "updated_at" = ? where "status" = ? and "attempts" < ? and ${NO_FALLBACK_SENT} returning "id"`,
        [NotificationStatus.queued, now, NotificationStatus.failed, attemptsLimit],
      );
      // Those beyond `max` are left to the dispatcher.
      summary.requeued = requeued.length;
    }
    const candidates = await this.candidates(now, max, null);
    summary.considered = candidates.length;
    if (candidates.length) {
      await this.execute(`update "notifications" set "status" = ?, "updated_at" = ? where "status" = ? and "id" in (${candidates.map(() => '?').join(', ')})`, [
        NotificationStatus.queued,
        now,
        NotificationStatus.planned,
        ...candidates.map((candidate) => candidate.id),
      ]);
    }
    for (const candidate of candidates) {
      const outcome = await this.delivery.deliver(candidate.id);
      switch (outcome.status) {
        case 'sent':
        case 'skipped':
        case 'failed':
          summary[outcome.status] += 1;
          break;
        case 'retry':
        case 'deferred':
          // The dispatcher takes the next attempt; this pass does not wait for it.
          summary.retried += 1;
          break;
        case 'not_claimed':
          break;
      }
    }
    this.logger.log(
      `Sent pending: considered ${summary.considered}, sent ${summary.sent}, skipped ${summary.skipped}, failed ${summary.failed}, retrying ${summary.retried}`,
    );
    return summary;
  }

  /** Due `planned`/`queued` rows (and, with an attempts limit, failed ones with attempts left), oldest first. */
  private async candidates(now: Date, max: number, failedBelowAttempts: number | null): Promise<PendingCandidate[]> {
    const failed = failedBelowAttempts === null ? '' : ` or ("status" = ? and "attempts" < ? and ${NO_FALLBACK_SENT})`;
    const rows = await this.execute<{ id: string; type: NotificationType; channel: NotificationChannel; recipient_id: string; due_at: string | Date }>(
      `select "id", "type", "channel", "recipient_id", ${EFFECTIVE_DUE} as "due_at" from "notifications"
        where ("status" in (?, ?) and ${EFFECTIVE_DUE} <= ?)${failed}
        order by 5, 1 limit ?`,
      [
        NotificationStatus.planned,
        NotificationStatus.queued,
        now,
        ...(failedBelowAttempts === null ? [] : [NotificationStatus.failed, failedBelowAttempts]),
        max,
      ],
    );
    return rows.map((row) => ({ id: row.id, type: row.type, channel: row.channel, recipientId: row.recipient_id, dueAt: new Date(row.due_at) }));
  }

  private execute<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.em.getConnection().execute<T[]>(sql, params);
  }
}
