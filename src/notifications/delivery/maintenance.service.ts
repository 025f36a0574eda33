import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationChannel, NotificationStatus, NotificationType } from '../notification.entity';
import { NotificationQueue } from '../queue/notification-queue';
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
  /** Sends interrupted longer than NOTIFY_SENDING_TIMEOUT, queued again. */
  interrupted: number;
  /** Queued notifications within the horizon whose job was (re)added; existing jobs are left as they are. */
  enqueued: number;
  /** Waiting jobs of notifications already due by the clock, started now. */
  promotedJobs: number;
}

/** Raw rows carry timestamps as Postgres prints them (MikroORM leaves them strings). */
interface DueRow {
  id: string;
  due_at: string | Date;
}

const toDate = (value: string | Date): Date => (value instanceof Date ? value : new Date(value));

const DAY = 86_400_000;
/** Rows per enqueue call and per cleanup DELETE. */
const BATCH = 1000;
/** Jobs of due rows checked per reconcile run. */
const MAX_JOB_CHECKS = 1000;
/** A row is due at its due time, or at its next attempt when that is later (Postgres' greatest skips nulls). */
const EFFECTIVE_DUE = `greatest("due_at", "next_attempt_at")`;
/** Finished statuses whose rows cleanup deletes after the retention period. */
const FINISHED = [NotificationStatus.sent, NotificationStatus.cancelled, NotificationStatus.skipped];

/**
 * Keeps Redis in step with Postgres: promotes rows entering the queue horizon, rebuilds jobs
 * Redis lost, rescues interrupted sends, deletes old finished rows, and lets an operator send
 * what is due by hand. Every step is idempotent, so any number of runs is safe.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger(MaintenanceService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
    private readonly queue: NotificationQueue,
    private readonly delivery: DeliveryService,
  ) {}

  /** `planned` rows due within the horizon become `queued` (one statement) and get their jobs. Returns how many. */
  async promote(): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.config.notificationTiming.queueHorizonMs);
    const rows = await this.execute<DueRow>(
      `update "notifications" set "status" = ?, "updated_at" = ? where "status" = ? and "due_at" <= ? returning "id", "due_at"`,
      [NotificationStatus.queued, now, NotificationStatus.planned, horizon],
    );
    await this.enqueue(rows);
    if (rows.length) this.logger.log(`Promoted ${rows.length} notification(s) into the queue`);
    return rows.length;
  }

  /**
   * Rebuilds the queue from Postgres: interrupted sends go back to `queued`; every queued row due
   * within the horizon gets its job (adding an existing job id changes nothing, so nothing is
   * doubled); a waiting job whose row is already due by the clock is started.
   */
  async reconcile(): Promise<ReconcileSummary> {
    const now = this.clock.now();
    const timing = this.config.notificationTiming;
    const interrupted = await this.execute<{ id: string }>(
      `update "notifications" set "status" = ?, "updated_at" = ? where "status" = ? and "updated_at" < ? returning "id"`,
      [NotificationStatus.queued, now, NotificationStatus.sending, new Date(now.getTime() - timing.sendingTimeoutMs)],
    );
    if (interrupted.length) this.logger.warn(`Requeued ${interrupted.length} interrupted send(s)`);
    const queued = await this.execute<DueRow>(
      `select "id", ${EFFECTIVE_DUE} as "due_at" from "notifications" where "status" = ? and ${EFFECTIVE_DUE} <= ? order by 2, 1`,
      [NotificationStatus.queued, new Date(now.getTime() + timing.queueHorizonMs)],
    );
    await this.enqueue(queued);
    const due = queued.filter((row) => toDate(row.due_at).getTime() <= now.getTime()).slice(0, MAX_JOB_CHECKS);
    const promotedJobs = (await Promise.all(due.map((row) => this.startIfWaiting(row.id)))).filter(Boolean).length;
    return { interrupted: interrupted.length, enqueued: queued.length, promotedJobs };
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
   * when workers are down or behind. With `retryFailed`, failed notifications with attempts left
   * are first queued again. A dry run changes nothing and lists what would be sent.
   */
  async sendPending(options: SendPendingOptions = {}): Promise<SendPendingSummary> {
    const max = options.max ?? 100;
    const now = this.clock.now();
    const attemptsLimit = maxAttempts(this.config.notificationTiming.retryDelaysMs);
    const summary: SendPendingSummary = { considered: 0, sent: 0, failed: 0, skipped: 0, retried: 0, requeued: 0, wouldSend: [] };

    if (options.dryRun) {
      const candidates = await this.candidates(now, max, options.retryFailed ? attemptsLimit : null);
      const [{ count }] = options.retryFailed
        ? await this.execute<{ count: number }>(`select count(*)::int as "count" from "notifications" where "status" = ? and "attempts" < ?`, [
            NotificationStatus.failed,
            attemptsLimit,
          ])
        : [{ count: 0 }];
      return { ...summary, considered: candidates.length, requeued: count, wouldSend: candidates };
    }

    if (options.retryFailed) {
      const requeued = await this.execute<DueRow>(
        `update "notifications" set "status" = ?, "next_attempt_at" = null, "updated_at" = ? where "status" = ? and "attempts" < ? returning "id", "due_at"`,
        [NotificationStatus.queued, now, NotificationStatus.failed, attemptsLimit],
      );
      summary.requeued = requeued.length;
      // Those beyond `max` are left to the workers.
      await this.enqueue(requeued);
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
          summary.retried += 1;
          // A worker takes the next attempt; this pass does not wait for it.
          await this.queue.enqueue([{ id: candidate.id, dueAt: outcome.retryAt }]);
          break;
        case 'early':
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
    const failed = failedBelowAttempts === null ? '' : ` or ("status" = ? and "attempts" < ?)`;
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
    return rows.map((row) => ({ id: row.id, type: row.type, channel: row.channel, recipientId: row.recipient_id, dueAt: toDate(row.due_at) }));
  }

  private async enqueue(rows: readonly DueRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += BATCH) {
      await this.queue.enqueue(rows.slice(start, start + BATCH).map((row) => ({ id: row.id, dueAt: toDate(row.due_at) })));
    }
  }

  /** Starts the job of a due notification when it is still waiting out a delay. True when it did. */
  private async startIfWaiting(id: string): Promise<boolean> {
    const job = await this.queue.bullQueue.getJob(id);
    if (!job || !(await job.isDelayed())) return false;
    try {
      await job.promote();
      return true;
    } catch {
      // It left the delayed set meanwhile: a worker has it.
      return false;
    }
  }

  private execute<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.em.getConnection().execute<T[]>(sql, params);
  }
}
