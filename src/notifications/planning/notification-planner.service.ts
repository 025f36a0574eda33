import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BookingEventData, BookingEventType } from '../../bookings/booking-event.entity';
import { ACTIVE_STATUSES, BookingStatus } from '../../bookings/booking.entity';
import { BookingEventPayload } from '../../bookings/booking.events';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { pgArray, rawQuery } from '../../core/database/raw-query';
import {
  AlertNotice,
  AlertNoticeKind,
  alertNoticeDedupKey,
  campaignDedupKey,
  CampaignMessage,
  NotificationChannel,
  NotificationReason,
  NotificationStatus,
  NotificationType,
  PENDING_STATUSES,
} from '../notification.entity';
import { Role } from '../../auth/role';
import { PreferencesService } from '../../preferences/preferences.service';
import { NOTIFICATION_CATEGORIES, NotificationCategory, wantsType } from '../../preferences/preference-rules';
import {
  BookingPlan,
  BookingPlanInput,
  PlanBooking,
  PlannedNotification,
  planBooking,
  PlanParty,
  planReminderSchedule,
  PlanSettings,
  planSettingsFrom,
  PLANNED_EVENT_TYPES,
  PlanTrigger,
  RowCollector,
} from './booking-plan';
import { CompletionCandidate, OVERDUE_REMINDED_MS, planCompletionReminders } from './completion-plan';

/** One area a campaign matched: what its message says, and who it goes to. */
export interface CampaignArea {
  message: CampaignMessage;
  recipientIds: readonly string[];
}

/** At most `max` marketing messages to one person per `windowMs`. */
export interface FrequencyCap {
  max: number;
  windowMs: number;
}

/** What planning a campaign came to, counted in messages (one per recipient and area, whatever its channels). */
export interface CampaignPlanned {
  recipients: number;
  planned: number;
  skipped: { not_opted_in: number; frequency_cap: number; already_sent: number; no_address: number };
}

/** Types the frequency cap counts: every marketing type. */
const MARKETING_TYPES = Object.values(NotificationType).filter((type) => NOTIFICATION_CATEGORIES[type] === NotificationCategory.marketing);

/** One notice of a business alert to the staff of `roles`; `sequence` numbers the alert's notices. */
export interface StaffNotice {
  notice: AlertNotice;
  sequence: number;
  roles: readonly Role[];
}

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
  /** Compute and write inside a transaction that is rolled back. */
  dryRun?: boolean;
}

/** A booking event to plan for, as the log holds it. */
export interface PlanEvent {
  eventId: string;
  bookingId: string;
  type: BookingEventType;
  bookingVersion: number;
  data: BookingEventData;
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

/** What a transaction changed. */
interface Applied {
  cancelledIds: string[];
  inserted: InsertedRow[];
}

/** What planning needs to know of a booking, loaded for many bookings in one query. */
interface BookingFacts extends Omit<PlanBooking, 'scheduleVersion'> {
  cancellationReason: string | null;
  customer: PlanParty;
  provider: PlanParty;
  /** The latest created/rescheduled event up to the current version: the schedule the booking is at. */
  schedule: { type: BookingEventType; version: number; data: BookingEventData } | null;
}

/** One booking's plan, applied together with others in one statement. */
interface BookingWork {
  bookingId: string;
  plan: BookingPlan;
}

const DAY = 86_400_000;
/** Bookings per transaction in scheduleAll. */
const PAGE_SIZE = 500;
/** Rows per INSERT statement. */
const INSERT_CHUNK = 5000;
/** First key of the advisory locks that serialise planning per booking. */
const LOCK_NAMESPACE = 0x4e50;

const NO_CHANGES = (): Applied => ({ cancelledIds: [], inserted: [] });

/** What planning's insert does with a row whose key exists. */
const IGNORE_EXISTING = { sql: `on conflict ("dedup_key") do nothing`, params: [] as unknown[] };
/**
 * Re-planning: a reminder a preference change cancelled, or one recorded opted out, that is
 * wanted again comes back with its new status and time (one whose moment has passed stays as it was).
 */
const REVIVE_CANCELLED = {
  sql: `on conflict ("dedup_key") do update set "status" = excluded."status", "reason" = excluded."reason", "due_at" = excluded."due_at", "updated_at" = now()
         where (("notifications"."status" = ? and "notifications"."reason" = ?) or ("notifications"."status" = ? and "notifications"."reason" = ?))
           and excluded."status" <> ?`,
  params: [
    NotificationStatus.cancelled,
    NotificationReason.preferences_changed,
    NotificationStatus.skipped,
    NotificationReason.opted_out,
    NotificationStatus.skipped,
  ] as unknown[],
};

/** Thrown inside a dry run's transaction so it rolls back; carries what the run computed. */
class DryRunRollback extends Error {
  constructor(readonly applied: Applied) {
    super('dry run');
  }
}

const PARTY_COLUMNS = (alias: string) =>
  ['id', 'telegram_chat_id', 'telegram_off_at', 'email', 'phone', 'sms_off_at', 'timezone'].map((column) => `${alias}."${column}" as "${alias}_${column}"`).join(', ');

/**
 * Turns booking events into rows in `notifications`. The rules live in `planBooking`; this
 * service loads their inputs for a whole batch of bookings in one query and applies their output
 * in set-wise statements: rows are inserted with ON CONFLICT (dedup_key) DO NOTHING,
 * cancellations are one conditional UPDATE, and runs for one booking are serialised by an
 * advisory lock, so replayed or concurrent events never plan anything twice.
 */
@Injectable()
export class NotificationPlanner {
  private readonly logger = new Logger(NotificationPlanner.name);
  private readonly settings: PlanSettings;
  private readonly completionHours: readonly number[];

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly preferences: PreferencesService,
    config: HeraldConfig,
  ) {
    this.settings = planSettingsFrom(config);
    this.completionHours = config.notificationTiming.completionHours;
  }

  /** Plans what one committed booking event calls for, in its own transaction. */
  async planForEvent(event: BookingEventPayload, options: PlanOptions = {}): Promise<PlanResult> {
    const applied = await this.inTransaction(options.dryRun ?? false, async (em) => {
      const [record] = await em.execute<{ data: BookingEventData }[]>(`select "data" from "booking_events" where "id" = ?`, [event.eventId]);
      return this.planEvents(em, [
        { eventId: event.eventId, bookingId: event.bookingId, type: event.type, bookingVersion: event.bookingVersion, data: record?.data ?? {} },
      ]);
    });
    return summarise(applied);
  }

  /**
   * Plans a batch of events in the caller's transaction, in their order: the n-th event of each
   * booking is applied after its (n-1)-th, so a reschedule never overtakes its booking's creation.
   * `confirmed` and unknown types plan nothing. Inserted rows wake the dispatcher through their NOTIFY.
   */
  async planEvents(em: EntityManager, events: readonly PlanEvent[]): Promise<Applied> {
    const planned = events.filter((event) => PLANNED_EVENT_TYPES.includes(event.type));
    if (planned.length === 0) return NO_CHANGES();
    const bookingIds = [...new Set(planned.map((event) => event.bookingId))];
    await this.lock(em, bookingIds);
    const facts = await this.loadFacts(em, bookingIds);
    const total = NO_CHANGES();
    for (const round of rounds(planned)) {
      const work: BookingWork[] = [];
      for (const event of round) {
        const booking = facts.get(event.bookingId);
        if (!booking) {
          this.logger.warn(`Booking ${event.bookingId} of event ${event.eventId} is gone; nothing to plan`);
          continue;
        }
        const trigger = triggerOf(event.type, event.bookingVersion, event.data, booking);
        work.push({ bookingId: booking.id, plan: this.plan(booking, trigger) });
      }
      merge(total, await this.apply(em, work));
    }
    return total;
  }

  /**
   * Plans for every pending or confirmed booking starting within `daysAhead` days, as if its
   * latest schedule event (created or rescheduled; the current version when it has none) had
   * just happened. Idempotent: a second run inserts nothing.
   */
  async scheduleAll(options: { daysAhead: number; dryRun: boolean }): Promise<PlanResult> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + options.daysAhead * DAY);
    const total = NO_CHANGES();
    let after: { starts_at: Date; id: string } | null = null;
    for (;;) {
      const page: { id: string; starts_at: Date }[] = await this.em.getConnection().execute(
        `select "id", "starts_at" from "bookings"
          where "status" in (${ACTIVE_STATUSES.map(() => '?').join(', ')}) and "starts_at" > ? and "starts_at" <= ?
            ${after ? `and ("starts_at", "id") > (?, ?)` : ''}
          order by "starts_at", "id" limit ?`,
        [...ACTIVE_STATUSES, now, until, ...(after ? [after.starts_at, after.id] : []), PAGE_SIZE],
      );
      if (page.length === 0) break;
      after = page[page.length - 1];
      const ids = page.map((booking) => booking.id);
      const applied = await this.inTransaction(options.dryRun, (em) => this.scheduleBookings(em, ids));
      merge(total, applied);
      if (page.length < PAGE_SIZE) break;
    }
    return summarise(total);
  }

  private async scheduleBookings(em: EntityManager, ids: string[]): Promise<Applied> {
    await this.lock(em, ids);
    // Reloaded under the lock: a booking may have changed since the page was read.
    const facts = await this.loadFacts(em, ids);
    const work: BookingWork[] = [];
    for (const booking of facts.values()) {
      if (!ACTIVE_STATUSES.includes(booking.status)) continue;
      const version = booking.schedule?.version ?? booking.version;
      const trigger = triggerOf(booking.schedule?.type ?? BookingEventType.created, version, booking.schedule?.data ?? {}, booking);
      work.push({ bookingId: booking.id, plan: this.plan(booking, trigger) });
    }
    return this.apply(em, work);
  }

  /**
   * Plans again the reminders of these customers' future active bookings, in the caller's
   * transaction (the one that changed their preferences): reminders the current schedule wants
   * and lacks are inserted (ones cancelled by an earlier change, or recorded opted out, come back), pending ones it no
   * longer wants are cancelled (`preferences_changed`). Replaying a change plans nothing twice.
   */
  async replanReminders(em: EntityManager, customerIds: readonly string[]): Promise<PlanResult> {
    const bookings = await rawQuery<{ id: string }>(
      em,
      `select "id" from "bookings" where "customer_id" = any(?::uuid[]) and "status" = any(?::text[]) and "starts_at" > ?`,
      [pgArray(customerIds), pgArray(ACTIVE_STATUSES), this.clock.now()],
    );
    const ids = bookings.map((booking) => booking.id);
    if (ids.length === 0) return summarise(NO_CHANGES());
    await this.lock(em, ids);
    const facts = await this.loadFacts(em, ids);
    const wanted: PlannedNotification[] = [];
    const scopes: { booking_id: string; recipient_id: string; version: number }[] = [];
    for (const booking of facts.values()) {
      const version = booking.schedule?.version ?? booking.version;
      // Reminders are keyed to the version of the booking's current schedule; the trigger's type plays no part.
      wanted.push(...planReminderSchedule(this.planInput(booking, { type: BookingEventType.created, bookingVersion: version })));
      scopes.push({ booking_id: booking.id, recipient_id: booking.customer.id, version });
    }
    const cancelled = await rawQuery<{ id: string }>(
      em,
      `update "notifications" n set "status" = ?, "reason" = ?, "updated_at" = ?
         from jsonb_to_recordset(?::jsonb) as s("booking_id" uuid, "recipient_id" uuid, "version" int)
        where n."booking_id" = s."booking_id" and n."recipient_id" = s."recipient_id" and n."booking_version" = s."version"
          and n."type" = ? and n."status" = any(?::text[])
          and not exists (
            select 1 from jsonb_to_recordset(?::jsonb) as w("booking_id" uuid, "offset_seconds" int, "channel" text)
             where w."booking_id" = n."booking_id" and w."offset_seconds" = n."offset_seconds"
               -- A fallback row stands in for its entry on another channel.
               and (w."channel" = n."channel" or n."fallback_of" is not null))
        returning n."id"`,
      [
        NotificationStatus.cancelled,
        NotificationReason.preferences_changed,
        this.clock.now(),
        JSON.stringify(scopes),
        NotificationType.booking_reminder,
        pgArray(PENDING_STATUSES),
        JSON.stringify(wanted.map((row) => ({ booking_id: row.bookingId, offset_seconds: row.offsetSeconds, channel: row.channel }))),
      ],
    );
    return summarise({ cancelledIds: cancelled.map((row) => row.id), inserted: await this.insertAll(em, wanted, REVIVE_CANCELLED) });
  }

  /**
   * Plans the providers' completion reminders of the slot at hand (see completion-plan.ts), in
   * one transaction; idempotent, so every scheduler's tick may run it. The rows planned.
   */
  async planCompletionReminders(): Promise<number> {
    const hours = this.completionHours;
    if (hours.length === 0) return 0;
    const now = this.clock.now();
    return this.em.fork().transactional(async (em) => {
      // Wide enough for any slot's window; the rules narrow it per provider.
      const rows = await rawQuery<Record<string, unknown>>(
        em,
        `select b."id", b."starts_at", b."ends_at", b."version", ${PARTY_COLUMNS('p')}
           from "bookings" b join "users" p on p."id" = b."provider_id"
          where b."status" = any(?::text[]) and b."ends_at" > ? and b."ends_at" < ?`,
        [pgArray(ACTIVE_STATUSES), new Date(now.getTime() - OVERDUE_REMINDED_MS - DAY), new Date(now.getTime() + 2 * DAY)],
      );
      const preferences = await this.preferences.forUsers(em, rows.map((row) => row.p_id as string));
      const candidates: CompletionCandidate[] = rows.map((row) => ({
        booking: { id: row.id as string, startsAt: new Date(row.starts_at as string), endsAt: new Date(row.ends_at as string), version: Number(row.version) },
        provider: { ...partyOf(row, 'p'), preferences: preferences.get(row.p_id as string) },
      }));
      const inserted = await this.insertAll(em, planCompletionReminders(candidates, hours, this.settings, now), IGNORE_EXISTING);
      return inserted.filter((row) => row.status !== NotificationStatus.skipped).length;
    });
  }

  /**
   * Plans staff notices of business alerts in the caller's transaction (the one that changed the
   * alert): each goes now to every user holding one of its roles, on their channels and subject
   * to their preferences. Keyed by alert, notice number, recipient and channel, so a replayed
   * notice plans nothing twice. The rows planned to be sent.
   */
  async planStaffNotices(em: EntityManager, notices: readonly StaffNotice[]): Promise<number> {
    if (notices.length === 0) return 0;
    const roles = [...new Set(notices.flatMap((notice) => notice.roles))];
    const staff = await rawQuery<Record<string, unknown> & { p_roles: string[] }>(
      em,
      `select ${PARTY_COLUMNS('p')}, p."roles" as "p_roles" from "users" p where p."roles" && ?::text[]`,
      [pgArray(roles)],
    );
    const preferences = await this.preferences.forUsers(em, staff.map((row) => row.p_id as string));
    const now = this.clock.now();
    const rows = new RowCollector({ now, settings: this.settings });
    const type = NotificationType.staff_alert;
    for (const { notice, sequence, roles: audience } of notices) {
      for (const row of staff.filter((member) => member.p_roles.some((role) => (audience as readonly string[]).includes(role)))) {
        const recipient = { ...partyOf(row, 'p'), preferences: preferences.get(row.p_id as string) };
        rows.add(recipient, type, now, { immediate: true }, (channel) => ({
          dedupKey: alertNoticeDedupKey(notice.alertId, sequence, recipient.id, channel),
          bookingId: null,
          type,
          offsetSeconds: 0,
          bookingVersion: null,
          payload: { alert: notice },
        }));
      }
    }
    const inserted = await this.insertAll(em, rows.all(), IGNORE_EXISTING);
    return inserted.filter((row) => row.status !== NotificationStatus.skipped).length;
  }

  /**
   * Plans a campaign's messages in the caller's transaction, through the bulk path: per area,
   * one message to each recipient who opted in to `type`, unless that would take them past
   * `cap` marketing messages in its window (counting this run's). Keyed by campaign, area, day,
   * recipient and channel, so a rerun the same day sends nothing twice. Recipients are looked at
   * in pages; what was not planned is counted by reason, with no rows written for it.
   */
  async planCampaignMessages(em: EntityManager, type: NotificationType, areas: readonly CampaignArea[], cap: FrequencyCap): Promise<CampaignPlanned> {
    const now = this.clock.now();
    const result: CampaignPlanned = { recipients: 0, planned: 0, skipped: { not_opted_in: 0, frequency_cap: 0, already_sent: 0, no_address: 0 } };
    const sentInWindow = new Map<string, number>();
    for (const area of areas) {
      for (let start = 0; start < area.recipientIds.length; start += INSERT_CHUNK) {
        const ids = area.recipientIds.slice(start, start + INSERT_CHUNK);
        result.recipients += ids.length;
        const parties = await rawQuery<Record<string, unknown>>(em, `select ${PARTY_COLUMNS('p')} from "users" p where p."id" = any(?::uuid[])`, [pgArray(ids)]);
        const preferences = await this.preferences.forUsers(em, ids);
        const wanting = parties.map((row) => ({ ...partyOf(row, 'p'), preferences: preferences.get(row.p_id as string) })).filter((party) => wantsType(party.preferences!, type));
        result.skipped.not_opted_in += ids.length - wanting.length;
        const rows = new RowCollector({ now, settings: this.settings });
        for (const recipient of wanting) {
          rows.add(recipient, type, now, { immediate: true }, (channel) => ({
            dedupKey: campaignDedupKey(area.message.campaignId, area.message.postalCode, area.message.date, recipient.id, channel),
            bookingId: null,
            type,
            offsetSeconds: 0,
            bookingVersion: null,
            payload: { campaign: area.message },
          }));
        }
        const built = rows.all();
        const existing = await rawQuery<{ recipient_id: string }>(em, `select distinct "recipient_id" from "notifications" where "dedup_key" = any(?::text[])`, [
          pgArray(built.map((row) => row.dedupKey)),
        ]);
        const alreadySent = new Set(existing.map((row) => row.recipient_id));
        result.skipped.already_sent += alreadySent.size;
        const fresh = wanting.filter((party) => !alreadySent.has(party.id));
        await this.countRecentMarketing(em, fresh.map((party) => party.id).filter((id) => !sentInWindow.has(id)), new Date(now.getTime() - cap.windowMs), sentInWindow);
        const going = new Set<string>();
        for (const { id } of fresh) {
          const sent = sentInWindow.get(id) ?? 0;
          if (sent >= cap.max) {
            result.skipped.frequency_cap++;
            continue;
          }
          sentInWindow.set(id, sent + 1);
          going.add(id);
        }
        const inserted = await this.insertAll(
          em,
          built.filter((row) => going.has(row.recipientId)),
          IGNORE_EXISTING,
        );
        // A message is planned when one of its rows will be sent; all of them recorded skipped, nobody could be reached.
        const sending = new Set(inserted.filter((row) => row.status !== NotificationStatus.skipped).map((row) => row.recipientId));
        result.planned += sending.size;
        result.skipped.no_address += new Set(inserted.filter((row) => !sending.has(row.recipientId)).map((row) => row.recipientId)).size;
      }
    }
    return result;
  }

  /** Adds to `counts` how many marketing messages each user was sent (or has coming) due since `since`; a message on several channels counts once. */
  private async countRecentMarketing(em: EntityManager, userIds: readonly string[], since: Date, counts: Map<string, number>): Promise<void> {
    for (const id of userIds) counts.set(id, 0);
    if (userIds.length === 0) return;
    const rows = await rawQuery<{ recipient_id: string; messages: number }>(
      em,
      `select "recipient_id", count(distinct "dedup_key_message")::int as "messages"
         from (select "recipient_id", regexp_replace("dedup_key", ':[a-z_]+$', '') as "dedup_key_message" from "notifications"
                where "recipient_id" = any(?::uuid[]) and "type" = any(?::text[]) and "due_at" >= ? and not ("status" = any(?::text[]))) recent
        group by "recipient_id"`,
      [pgArray(userIds), pgArray(MARKETING_TYPES), since, pgArray([NotificationStatus.cancelled, NotificationStatus.skipped])],
    );
    for (const row of rows) counts.set(row.recipient_id, row.messages);
  }

  /** Cancels the staff notices of these alerts still pending (`alert_closed`), in the caller's transaction; `except` notices of that kind stay. */
  async cancelStaffNotices(em: EntityManager, alertIds: readonly string[], except?: AlertNoticeKind): Promise<number> {
    if (alertIds.length === 0) return 0;
    const cancelled = await rawQuery<{ id: string }>(
      em,
      `update "notifications" set "status" = ?, "reason" = ?, "updated_at" = ?
        where "type" = ? and "status" = any(?::text[]) and "booking_id" is null and ("payload"->'alert'->>'alertId') = any(?::text[])
          and ("payload"->'alert'->>'kind') is distinct from ?
        returning "id"`,
      [
        NotificationStatus.cancelled,
        NotificationReason.alert_closed,
        this.clock.now(),
        NotificationType.staff_alert,
        pgArray(PENDING_STATUSES),
        pgArray(alertIds),
        except ?? null,
      ],
    );
    return cancelled.length;
  }

  private plan(booking: BookingFacts, trigger: PlanTrigger): BookingPlan {
    return planBooking(this.planInput(booking, trigger));
  }

  private planInput(booking: BookingFacts, trigger: PlanTrigger): BookingPlanInput {
    return {
      booking: { ...booking, scheduleVersion: booking.schedule?.version ?? trigger.bookingVersion },
      customer: booking.customer,
      provider: booking.provider,
      settings: this.settings,
      trigger,
      now: this.clock.now(),
    };
  }

  /** The bookings with both parties and their current schedule event, in one query; the parties' preferences in one more. */
  private async loadFacts(em: EntityManager, ids: readonly string[]): Promise<Map<string, BookingFacts>> {
    const rows = await rawQuery<Record<string, unknown>>(
      em,
      `select b."id", b."starts_at", b."ends_at", b."timezone", b."status", b."version", b."cancellation_reason",
              ${PARTY_COLUMNS('c')}, ${PARTY_COLUMNS('p')},
              s."type" as "schedule_type", s."booking_version" as "schedule_version", s."data" as "schedule_data"
         from "bookings" b
         join "users" c on c."id" = b."customer_id"
         join "users" p on p."id" = b."provider_id"
         left join lateral (
           select e."type", e."booking_version", e."data" from "booking_events" e
            where e."booking_id" = b."id" and e."type" in (?, ?) and e."booking_version" <= b."version"
            order by e."booking_version" desc limit 1
         ) s on true
        where b."id" = any(?::uuid[])`,
      [BookingEventType.created, BookingEventType.rescheduled, pgArray(ids)],
    );
    const preferences = await this.preferences.forUsers(em, rows.flatMap((row) => [row.c_id as string, row.p_id as string]));
    const party = (row: Record<string, unknown>, alias: 'c' | 'p') => ({ ...partyOf(row, alias), preferences: preferences.get(row[`${alias}_id`] as string) });
    return new Map(
      rows.map((row) => [
        row.id as string,
        {
          id: row.id as string,
          startsAt: new Date(row.starts_at as string),
          endsAt: new Date(row.ends_at as string),
          timezone: row.timezone as string,
          status: row.status as BookingStatus,
          version: Number(row.version),
          cancellationReason: (row.cancellation_reason as string | null) ?? null,
          customer: party(row, 'c'),
          provider: party(row, 'p'),
          schedule:
            row.schedule_type === null || row.schedule_type === undefined
              ? null
              : { type: row.schedule_type as BookingEventType, version: Number(row.schedule_version), data: (row.schedule_data as BookingEventData) ?? {} },
        },
      ]),
    );
  }

  /** Cancels what the plans cancel and inserts their rows, in the caller's transaction. */
  private async apply(em: EntityManager, work: BookingWork[]): Promise<Applied> {
    const cancels = work.flatMap(({ bookingId, plan }) =>
      plan.cancel ? [{ booking_id: bookingId, reason: plan.cancel.reason, below: plan.cancel.belowVersion, spare: plan.cancel.spare }] : [],
    );
    const cancelledIds: string[] = [];
    if (cancels.length) {
      const rows = await rawQuery<{ id: string }>(
        em,
        `update "notifications" n set "status" = ?, "reason" = c."reason", "updated_at" = ?
           from jsonb_to_recordset(?::jsonb) as c("booking_id" uuid, "reason" text, "below" int, "spare" jsonb)
          where n."booking_id" = c."booking_id" and n."status" in (?, ?)
            and (n."booking_version" is null or n."booking_version" < c."below") and not c."spare" @> to_jsonb(n."type")
        returning n."id"`,
        [NotificationStatus.cancelled, this.clock.now(), JSON.stringify(cancels), ...PENDING_STATUSES],
      );
      cancelledIds.push(...rows.map((row) => row.id));
    }
    return { cancelledIds, inserted: await this.insertAll(em, work.flatMap(({ plan }) => plan.rows), IGNORE_EXISTING) };
  }

  /** Inserts in statements of INSERT_CHUNK rows. */
  private async insertAll(em: EntityManager, rows: PlannedNotification[], onConflict: typeof IGNORE_EXISTING): Promise<InsertedRow[]> {
    const inserted: InsertedRow[] = [];
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) inserted.push(...(await this.insert(em, rows.slice(start, start + INSERT_CHUNK), onConflict)));
    return inserted;
  }

  /**
   * One INSERT ... SELECT FROM jsonb_to_recordset ... ON CONFLICT (dedup_key) DO NOTHING RETURNING:
   * the database decides what is new. `onConflict` may instead bring back a row a preference
   * change cancelled (the rows must then have distinct keys, as one statement may update a row once).
   */
  private async insert(em: EntityManager, rows: PlannedNotification[], onConflict: typeof IGNORE_EXISTING): Promise<InsertedRow[]> {
    if (rows.length === 0) return [];
    const records = rows.map((row) => ({
      id: randomUUID(),
      recipient_id: row.recipientId,
      booking_id: row.bookingId,
      type: row.type,
      channel: row.channel,
      offset_seconds: row.offsetSeconds,
      due_at: row.dueAt.toISOString(),
      status: row.status,
      reason: row.reason,
      booking_version: row.bookingVersion,
      payload: row.payload,
      dedup_key: row.dedupKey,
    }));
    const returned = await rawQuery<{ id: string; type: NotificationType; channel: NotificationChannel; recipient_id: string; due_at: string | Date; status: NotificationStatus; reason: NotificationReason | null }>(
      em,
      `insert into "notifications" ("id", "created_at", "updated_at", "recipient_id", "booking_id", "type", "channel", "offset_seconds", "due_at",
                                    "status", "reason", "attempts", "booking_version", "payload", "dedup_key")
       select r."id", now(), now(), r."recipient_id", r."booking_id", r."type", r."channel", r."offset_seconds", r."due_at",
              r."status", r."reason", 0, r."booking_version", r."payload", r."dedup_key"
         from jsonb_to_recordset(?::jsonb) as r("id" uuid, "recipient_id" uuid, "booking_id" uuid, "type" text, "channel" text, "offset_seconds" int,
              "due_at" timestamptz, "status" text, "reason" text, "booking_version" int, "payload" jsonb, "dedup_key" text)
       ${onConflict.sql}
       returning "id", "type", "channel", "recipient_id", "due_at", "status", "reason"`,
      [JSON.stringify(records), ...onConflict.params],
    );
    return returned.map((row) => ({
      id: row.id,
      type: row.type,
      channel: row.channel,
      recipientId: row.recipient_id,
      dueAt: new Date(row.due_at),
      status: row.status,
      reason: row.reason,
    }));
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
  private async lock(em: EntityManager, bookingIds: readonly string[]): Promise<void> {
    await em.execute(`select pg_advisory_xact_lock(?, hashtext(id)) from (select jsonb_array_elements_text(?::jsonb) as id order by 1) ids`, [
      LOCK_NAMESPACE,
      JSON.stringify(bookingIds),
    ]);
  }
}

/** Events split so that each booking appears at most once per round, in their order. */
function rounds(events: readonly PlanEvent[]): PlanEvent[][] {
  const result: PlanEvent[][] = [];
  const seen = new Map<string, number>();
  for (const event of events) {
    const index = seen.get(event.bookingId) ?? 0;
    seen.set(event.bookingId, index + 1);
    (result[index] ??= []).push(event);
  }
  return result;
}

function merge(total: Applied, applied: Applied): void {
  total.cancelledIds.push(...applied.cancelledIds);
  total.inserted.push(...applied.inserted);
}

function partyOf(row: Record<string, unknown>, alias: 'c' | 'p'): PlanParty {
  const at = (column: string) => row[`${alias}_${column}`];
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    id: at('id') as string,
    telegramChatId: (at('telegram_chat_id') as string | null) ?? null,
    telegramOffAt: date(at('telegram_off_at')),
    email: (at('email') as string | null) ?? null,
    phone: (at('phone') as string | null) ?? null,
    smsOffAt: date(at('sms_off_at')),
    timezone: at('timezone') as string,
  };
}

function triggerOf(type: BookingEventType, bookingVersion: number, data: BookingEventData, booking: Pick<BookingFacts, 'id' | 'cancellationReason'>): PlanTrigger {
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
