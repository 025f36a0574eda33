import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BookingEvent, BookingEventData, BookingEventType } from '../../bookings/booking-event.entity';
import { ACTIVE_STATUSES, Booking } from '../../bookings/booking.entity';
import { BookingEventPayload } from '../../bookings/booking.events';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { User } from '../../users/user.entity';
import { Notification, NotificationChannel, NotificationReason, NotificationStatus, NotificationType, PENDING_STATUSES } from '../notification.entity';
import { NotificationQueue } from '../queue/notification-queue';
import { BookingPlan, PlannedNotification, planBooking, PlanParty, PlanSettings, planSettingsFrom, PLANNED_EVENT_TYPES, PlanTrigger } from './booking-plan';

export interface PlanResultRow {
  type: NotificationType;
  channel: NotificationChannel;
  recipientId: string;
  dueAt: Date;
  status: NotificationStatus;
}

/** What a planning run did (or, dry, would do): rows inserted, of which skipped as too late, and rows cancelled. */
export interface PlanResult {
  /** Inserted rows that will be sent (`planned` or `queued`). */
  planned: number;
  /** Inserted rows recorded `skipped` because their moment had passed. */
  skippedTooLate: number;
  /** Pending rows cancelled. */
  cancelled: number;
  /** Every inserted row, skipped ones included. */
  rows: PlanResultRow[];
}

export interface PlanOptions {
  /** Compute and write inside a transaction that is rolled back; nothing is queued. */
  dryRun?: boolean;
}

/** One booking's plan, applied together with others in one transaction. */
interface BookingWork {
  bookingId: string;
  plan: BookingPlan;
}

interface InsertedRow {
  id: string;
  type: NotificationType;
  channel: NotificationChannel;
  recipientId: string;
  dueAt: Date;
  status: NotificationStatus;
  reason: NotificationReason | null;
}

/** What a transaction changed, for the queue work that follows its commit. */
interface Applied {
  cancelledIds: string[];
  inserted: InsertedRow[];
}

const DAY = 86_400_000;
/** Bookings per transaction in scheduleAll. */
const PAGE_SIZE = 200;
/** Rows per INSERT statement: 15 columns each stays far below Postgres' 65535 parameters. */
const INSERT_CHUNK = 1000;
/** First key of the advisory locks that serialise planning per booking. */
const LOCK_NAMESPACE = 0x4e50;

const SCHEDULE_EVENT_TYPES = [BookingEventType.created, BookingEventType.rescheduled];

/** Thrown inside a dry run's transaction so it rolls back; carries what the run computed. */
class DryRunRollback extends Error {
  constructor(readonly applied: Applied) {
    super('dry run');
  }
}

/**
 * Turns booking events into rows in `notifications` and queue jobs. The rules live in
 * `planBooking`; this service loads their inputs and applies their output idempotently:
 * rows are inserted with ON CONFLICT (dedup_key) DO NOTHING, cancellations are one
 * conditional UPDATE, and runs for one booking are serialised by an advisory lock, so
 * replayed or concurrent events never plan anything twice.
 */
@Injectable()
export class NotificationPlanner {
  private readonly logger = new Logger(NotificationPlanner.name);
  private readonly settings: PlanSettings;

  constructor(
    private readonly em: EntityManager,
    private readonly queue: NotificationQueue,
    private readonly clock: Clock,
    config: HeraldConfig,
  ) {
    this.settings = planSettingsFrom(config);
  }

  /** Plans what a committed booking event calls for. `confirmed` and unknown types plan nothing. */
  async planForEvent(event: BookingEventPayload, options: PlanOptions = {}): Promise<PlanResult> {
    if (!PLANNED_EVENT_TYPES.includes(event.type)) return summarise({ cancelledIds: [], inserted: [] });
    const applied = await this.inTransaction(options.dryRun ?? false, async (em) => {
      await this.lock(em, [event.bookingId]);
      const booking = await em.findOne(Booking, { id: event.bookingId }, { populate: ['customer', 'provider'] });
      if (!booking) {
        this.logger.warn(`Booking ${event.bookingId} of event ${event.eventId} is gone; nothing to plan`);
        return { cancelledIds: [], inserted: [] };
      }
      const record = await em.findOne(BookingEvent, { id: event.eventId });
      const scheduleVersion = (await this.scheduleEvents(em, [booking])).get(booking.id)?.bookingVersion ?? event.bookingVersion;
      const trigger = triggerOf(event.type, event.bookingVersion, record?.data ?? {}, booking);
      return this.apply(em, [{ bookingId: booking.id, plan: this.plan(booking, scheduleVersion, trigger) }]);
    });
    if (!options.dryRun) await this.afterCommit(applied);
    return summarise(applied);
  }

  /**
   * Plans for every pending or confirmed booking starting within `daysAhead` days, as if its
   * latest schedule event (created or rescheduled; the current version when it has none) had
   * just happened. Idempotent: a second run inserts nothing.
   */
  async scheduleAll(options: { daysAhead: number; dryRun: boolean }): Promise<PlanResult> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + options.daysAhead * DAY);
    const total: Applied = { cancelledIds: [], inserted: [] };
    let after: { startsAt: Date; id: string } | null = null;
    for (;;) {
      const page: { id: string; startsAt: Date }[] = await this.em.fork().find(
        Booking,
        {
          status: { $in: [...ACTIVE_STATUSES] },
          startsAt: { $gt: now, $lte: until },
          ...(after ? { $or: [{ startsAt: { $gt: after.startsAt } }, { startsAt: after.startsAt, id: { $gt: after.id } }] } : {}),
        },
        { fields: ['id', 'startsAt'], orderBy: { startsAt: 'asc', id: 'asc' }, limit: PAGE_SIZE },
      );
      if (page.length === 0) break;
      after = page[page.length - 1];
      const ids = page.map((booking) => booking.id);
      const applied = await this.inTransaction(options.dryRun, (em) => this.scheduleBookings(em, ids));
      if (!options.dryRun) await this.afterCommit(applied);
      total.cancelledIds.push(...applied.cancelledIds);
      total.inserted.push(...applied.inserted);
      if (page.length < PAGE_SIZE) break;
    }
    return summarise(total);
  }

  private async scheduleBookings(em: EntityManager, ids: string[]): Promise<Applied> {
    await this.lock(em, ids);
    // Reloaded under the lock: a booking may have changed since the page was read.
    const bookings = await em.find(Booking, { id: { $in: ids }, status: { $in: [...ACTIVE_STATUSES] } }, { populate: ['customer', 'provider'] });
    const latest = await this.scheduleEvents(em, bookings);
    const work = bookings.map((booking) => {
      const event = latest.get(booking.id);
      const version = event?.bookingVersion ?? booking.version;
      const trigger = triggerOf(event?.type ?? BookingEventType.created, version, event?.data ?? {}, booking);
      return { bookingId: booking.id, plan: this.plan(booking, version, trigger) };
    });
    return this.apply(em, work);
  }

  private plan(booking: Booking, scheduleVersion: number, trigger: PlanTrigger): BookingPlan {
    return planBooking({
      booking: {
        id: booking.id,
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        timezone: booking.timezone,
        status: booking.status,
        version: booking.version,
        scheduleVersion,
      },
      customer: partyOf(booking.customer),
      provider: partyOf(booking.provider),
      settings: this.settings,
      trigger,
      now: this.clock.now(),
    });
  }

  /**
   * The latest created/rescheduled event of each booking, up to the version loaded: the schedule
   * the booking is at. Bookings without such an event are absent from the map.
   */
  private async scheduleEvents(em: EntityManager, bookings: Booking[]): Promise<Map<string, BookingEvent>> {
    const latest = new Map<string, BookingEvent>();
    if (bookings.length === 0) return latest;
    const versions = new Map(bookings.map((booking) => [booking.id, booking.version]));
    const events = await em.find(
      BookingEvent,
      { booking: { $in: [...versions.keys()] }, type: { $in: SCHEDULE_EVENT_TYPES } },
      { orderBy: { bookingVersion: 'asc' } },
    );
    for (const event of events) {
      if (event.bookingVersion <= versions.get(event.booking.id)!) latest.set(event.booking.id, event);
    }
    return latest;
  }

  /** Cancels what the plans cancel and inserts their rows, in the caller's transaction. */
  private async apply(em: EntityManager, work: BookingWork[]): Promise<Applied> {
    const cancelledIds: string[] = [];
    for (const { bookingId, plan } of work) {
      if (!plan.cancel) continue;
      const rows: { id: string }[] = await em
        .createQueryBuilder(Notification)
        .update({ status: NotificationStatus.cancelled, reason: plan.cancel.reason, updatedAt: new Date() })
        .where({
          booking: bookingId,
          status: { $in: [...PENDING_STATUSES] },
          $or: [{ bookingVersion: null }, { bookingVersion: { $lt: plan.cancel.belowVersion } }],
        })
        .returning(['id'])
        .execute('all');
      cancelledIds.push(...rows.map((row) => row.id));
    }
    const rows = work.flatMap(({ plan }) => plan.rows);
    const inserted: InsertedRow[] = [];
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      inserted.push(...(await this.insert(em, rows.slice(start, start + INSERT_CHUNK))));
    }
    return { cancelledIds, inserted };
  }

  /** INSERT ... ON CONFLICT (dedup_key) DO NOTHING RETURNING: the database decides what is new. */
  private async insert(em: EntityManager, rows: PlannedNotification[]): Promise<InsertedRow[]> {
    if (rows.length === 0) return [];
    const written = new Date();
    const returned: (Omit<InsertedRow, 'recipientId' | 'dueAt'> & { recipient: string; dueAt: Date | string })[] = await em
      .createQueryBuilder(Notification)
      .insert(
        rows.map((row) => ({
          id: randomUUID(),
          createdAt: written,
          updatedAt: written,
          recipient: row.recipientId,
          booking: row.bookingId,
          type: row.type,
          channel: row.channel,
          offsetSeconds: row.offsetSeconds,
          dueAt: row.dueAt,
          status: row.status,
          reason: row.reason,
          attempts: 0,
          bookingVersion: row.bookingVersion,
          payload: row.payload,
          dedupKey: row.dedupKey,
        })),
      )
      .onConflict('dedupKey')
      .ignore()
      .returning(['id', 'type', 'channel', 'recipient', 'dueAt', 'status', 'reason'])
      .execute('all');
    return returned.map(({ recipient, dueAt, ...row }) => ({ ...row, recipientId: recipient, dueAt: new Date(dueAt) }));
  }

  /**
   * After the commit: drop the jobs of cancelled rows, add the jobs of new queued rows. Both are
   * tried even if one fails; Postgres already holds the truth, so a job Redis missed is rebuilt
   * by the delivery side's reconcile, and a leftover job finds its row cancelled at send time.
   */
  private async afterCommit(applied: Applied): Promise<void> {
    const outcomes = await Promise.allSettled([
      this.queue.remove(applied.cancelledIds),
      this.queue.enqueue(applied.inserted.filter((row) => row.status === NotificationStatus.queued)),
    ]);
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs `work` in a transaction of a fresh context; a dry run rolls it back and still returns what it did. */
  private async inTransaction(dryRun: boolean, work: (em: EntityManager) => Promise<Applied>): Promise<Applied> {
    try {
      return await this.em.fork().transactional(async (tx) => {
        const applied = await work(tx);
        if (dryRun) throw new DryRunRollback(applied);
        return applied;
      });
    } catch (error) {
      if (error instanceof DryRunRollback) return error.applied;
      throw error;
    }
  }

  /** Serialises planning per booking until the transaction ends; ids are locked in order, so runs never deadlock. */
  private async lock(em: EntityManager, bookingIds: string[]): Promise<void> {
    for (const id of [...bookingIds].sort()) {
      await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [LOCK_NAMESPACE, id]);
    }
  }
}

function partyOf(user: User): PlanParty {
  return {
    id: user.id,
    telegramChatId: user.telegramChatId,
    telegramOffAt: user.telegramOffAt,
    email: user.email,
    phone: user.phone,
    smsOffAt: user.smsOffAt,
    timezone: user.timezone,
  };
}

function triggerOf(type: BookingEventType, bookingVersion: number, data: BookingEventData, booking: Booking): PlanTrigger {
  switch (type) {
    case BookingEventType.rescheduled:
      return { type, bookingVersion, previousStartsAt: data.previousStartsAt ?? null };
    case BookingEventType.cancelled:
      return { type, bookingVersion, cancellationReason: data.reason !== undefined ? data.reason : booking.cancellationReason };
    case BookingEventType.created:
    case BookingEventType.completed:
    case BookingEventType.no_show:
      return { type, bookingVersion };
    case BookingEventType.confirmed:
      throw new Error(`confirmed events plan nothing (booking ${booking.id})`);
  }
}

function summarise(applied: Applied): PlanResult {
  const sendable = applied.inserted.filter((row) => row.status !== NotificationStatus.skipped);
  return {
    planned: sendable.length,
    skippedTooLate: applied.inserted.filter((row) => row.reason === NotificationReason.too_late).length,
    cancelled: applied.cancelledIds.length,
    rows: applied.inserted.map(({ type, channel, recipientId, dueAt, status }) => ({ type, channel, recipientId, dueAt, status })),
  };
}
