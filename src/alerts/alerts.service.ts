import { EntityManager, FilterQuery, LockMode } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuthUser, Role } from '../auth/role';
import { StuckBookings } from '../bookings/stuck-bookings.service';
import { Clock } from '../core/clock/clock';
import { HeraldConfig } from '../core/config/herald-config';
import { pgArray, rawQuery } from '../core/database/raw-query';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { User } from '../users/user.entity';
import { AlertEvent, AlertEventKind } from './alert-event.entity';
import { Condition, RULES, ScannedType } from './alert-rules';
import { AlertsError } from './alerts.error';
import { ALERT_CHANGED_TOPIC, AlertChanged, AlertSeverity, AlertStatus, AlertType, BusinessAlert, OPEN_STATUSES, SEVERITY_ORDER } from './business-alert.entity';
import { LiveEvents } from '../core/graphql/live-events';
import { groupedBy } from '../core/graphql/request-loader';
import { EngineHealth } from '../notifications/health/engine-health.service';
import { AlertsFilter, RaiseAlertInput } from './dto/alert.input';
import { AlertNoticeKind } from '../notifications/notification.entity';
import { NotificationPlanner, StaffNotice } from '../notifications/planning/notification-planner.service';
import { ALERT_AUDIENCE, noticeFor, noticeOf } from './alert-notices';

/** What one scan did. */
export interface ScanResult {
  type: ScannedType;
  raised: number;
  seenAgain: number;
  escalated: number;
  resolved: number;
}

const STAFF: readonly Role[] = [Role.ops, Role.finance, Role.admin];

/**
 * Business alerts: one open alert per condition (its dedup key, unique among open alerts in the
 * database), kept up to date by the scans, changed by staff, and every change recorded as an
 * AlertEvent with who made it. Finance sees and handles payment alerts only.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);
  private readonly repeatMs: Partial<Record<AlertSeverity, number>>;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
    private readonly stuck: StuckBookings,
    private readonly live: LiveEvents,
    private readonly health: EngineHealth,
    private readonly planner: NotificationPlanner,
  ) {
    this.repeatMs = config.alertRepeatMs;
  }

  /** Runs one rule now: what it finds raises or updates alerts; open alerts of its type it no longer finds resolve themselves. */
  async scan(type: ScannedType): Promise<ScanResult> {
    const now = this.clock.now();
    const timings = this.config.alertRules;
    let conditions: Condition[];
    switch (type) {
      case AlertType.signature_pending:
        conditions = RULES[type](await this.stuck.pendingSignatures(new Date(now.getTime() - timings.signaturePending.afterMs)), timings.signaturePending, now);
        break;
      case AlertType.payment_on_hold:
        conditions = RULES[type](await this.stuck.heldPayments(new Date(now.getTime() - timings.paymentOnHold.afterMs)), timings.paymentOnHold, now);
        break;
      case AlertType.booking_overdue:
        conditions = RULES[type](await this.stuck.overdueBookings(new Date(now.getTime() - timings.bookingOverdue.afterMs)), timings.bookingOverdue, now);
        break;
      case AlertType.delivery_backlog:
        conditions = RULES[type](await this.health.backlogs(now), timings.deliveryBacklog, now);
        break;
      case AlertType.channel_failing:
        conditions = RULES[type](await this.health.outcomes(new Date(now.getTime() - timings.channelFailing.windowMs)), timings.channelFailing);
        break;
      case AlertType.reminders_late:
        conditions = RULES[type](await this.health.reminderLateness(new Date(now.getTime() - timings.remindersLate.windowMs), now, [0.95]), timings.remindersLate);
        break;
      case AlertType.channel_unreachable:
        conditions = RULES[type](await this.health.retrying(), timings.channelUnreachable, now);
        break;
      case AlertType.relay_behind:
        conditions = RULES[type]((await this.health.relayLag()).oldestAt, timings.relayBehind, now);
        break;
    }
    return this.observe(type, conditions, now);
  }

  /**
   * Brings the open alerts of `type` in line with the conditions found true at `now`, in one
   * transaction, and plans in it the staff notices the changes call for (see noticeFor).
   */
  async observe(type: ScannedType, conditions: readonly Condition[], now: Date): Promise<ScanResult> {
    const result: ScanResult = { type, raised: 0, seenAgain: 0, escalated: 0, resolved: 0 };
    const changed: string[] = [];
    await this.em.fork().transactional(async (tx) => {
      const notices: StaffNotice[] = [];
      for (const condition of conditions) {
        const [row] = await rawQuery<UpsertedAlert>(tx, UPSERT_OPEN, [
          condition.dedupKey,
          now,
          now,
          type,
          condition.severity,
          condition.title,
          condition.description,
          condition.dedupKey,
          now,
          now,
          JSON.stringify(condition.metadata),
          pgArray(SEVERITY_ORDER),
          pgArray(SEVERITY_ORDER),
        ]);
        const alert = tx.getReference(BusinessAlert, row.id);
        if (row.inserted || (row.previous && rank(condition.severity) > rank(row.previous))) changed.push(row.id);
        if (row.inserted) {
          result.raised++;
          tx.create(AlertEvent, { alert, kind: AlertEventKind.raised, details: { severity: condition.severity } });
        } else if (row.previous && rank(condition.severity) > rank(row.previous)) {
          result.escalated++;
          tx.create(AlertEvent, { alert, kind: AlertEventKind.escalated, details: { from: row.previous, to: condition.severity } });
        } else result.seenAgain++;
        const kind = noticeFor(
          { status: row.status, severity: row.severity, noticesSent: row.notices_sent, lastNoticeAt: row.last_notice_at === null ? null : new Date(row.last_notice_at), lastNoticeSeverity: row.last_notice_severity },
          now,
          this.repeatMs,
        );
        if (kind) notices.push(await this.recordNotice(tx, row.id, kind, now));
      }
      const resolved = await rawQuery<{ id: string; notices_sent: number }>(
        tx,
        `update "business_alerts" set "status" = ?, "resolved_at" = ?, "resolution_note" = ?, "updated_at" = ?
          where "type" = ? and "status" = any(?::text[]) and not ("dedup_key" = any(?::text[])) returning "id", "notices_sent"`,
        [AlertStatus.resolved, now, 'The condition cleared', now, type, pgArray(OPEN_STATUSES), pgArray(conditions.map((condition) => condition.dedupKey))],
      );
      for (const { id } of resolved) tx.create(AlertEvent, { alert: tx.getReference(BusinessAlert, id), kind: AlertEventKind.auto_resolved });
      changed.push(...resolved.map((row) => row.id));
      result.resolved = resolved.length;
      notices.push(...(await this.closeNotices(tx, resolved.map((row) => ({ id: row.id, noticesSent: row.notices_sent })), now)));
      await this.planner.planStaffNotices(tx, notices);
      await tx.flush();
    });
    if (result.raised || result.escalated || result.resolved) this.logger.log(`Alert scan ${type}: ${JSON.stringify(result)}`);
    if (changed.length) await this.announce(await this.em.fork().find(BusinessAlert, { id: { $in: changed } }));
    return result;
  }

  async list(caller: AuthUser, filter: AlertsFilter = {}, page: PageInput = new PageInput()): Promise<Page<BusinessAlert>> {
    assertCursor(page.after);
    const where: FilterQuery<BusinessAlert> & Record<string, unknown> = { $and: [visibleTo(caller)] };
    if (filter.status?.length) where.status = { $in: filter.status };
    if (filter.severity?.length) where.severity = { $in: filter.severity };
    if (filter.type?.length) where.type = { $in: filter.type };
    if (filter.assigneeId) where.assignee = filter.assigneeId;
    return toPage(await this.em.fork().findByCursor(BusinessAlert, where, { first: page.first, after: page.after, orderBy: { lastSeenAt: 'desc', id: 'desc' } }));
  }

  async get(caller: AuthUser, id: string): Promise<BusinessAlert> {
    const alert = await this.em.fork().findOne(BusinessAlert, { id, ...visibleTo(caller) });
    if (!alert) throw AlertsError.notFound(id);
    return alert;
  }

  /** Open alerts per severity (every severity, zeros included). */
  async openBySeverity(): Promise<Record<AlertSeverity, number>> {
    const rows = await rawQuery<{ severity: AlertSeverity; count: number }>(
      this.em.fork(),
      `select "severity", count(*)::int as "count" from "business_alerts" where "status" = any(?::text[]) group by "severity"`,
      [pgArray(OPEN_STATUSES)],
    );
    const counts = Object.fromEntries(SEVERITY_ORDER.map((severity) => [severity, 0])) as Record<AlertSeverity, number>;
    for (const row of rows) counts[row.severity] = row.count;
    return counts;
  }

  /**
   * Per area and day (`<day>|<postal code>`, the day read in `timezone`), how many alerts about
   * one of its bookings (metadata.bookingId) were first raised that day, in one query for many.
   * Alerts about many bookings at once (payments on hold) name no single area and are not counted.
   */
  async raisedPerArea(keys: readonly string[], timezone: string): Promise<Map<string, number>> {
    const days = [...new Set(keys.map((key) => key.split('|')[0]))];
    const codes = [...new Set(keys.map((key) => key.split('|')[1]))];
    const rows = await rawQuery<{ key: string; alerts: number }>(
      this.em.fork(),
      `select (a."first_seen_at" at time zone ?)::date::text || '|' || b."postal_code" as "key", count(distinct a."id")::int as "alerts"
         from "business_alerts" a join "bookings" b on b."id"::text = a."metadata"->>'bookingId'
        where b."postal_code" = any(?::text[]) and (a."first_seen_at" at time zone ?)::date = any(?::date[])
        group by 1`,
      [timezone, pgArray(codes), timezone, pgArray(days)],
    );
    return new Map(rows.map((row) => [row.key, row.alerts]));
  }

  /** The alert as it is now, outside any request (subscriptions); null when it is gone. */
  findDetached(id: string): Promise<BusinessAlert | null> {
    return this.em.fork().findOne(BusinessAlert, { id });
  }

  /** The changes of these alerts, each oldest first, in one query; an alert without events is left out. */
  async eventsOf(alertIds: string[]): Promise<Map<string, AlertEvent[]>> {
    const events = await this.em.fork().find(AlertEvent, { alert: { $in: alertIds } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return groupedBy(events, (event) => event.alert.id);
  }

  /** Someone is on it: no more repeats, and notices not yet gone are dropped (an escalation still notifies). */
  acknowledge(caller: AuthUser, id: string): Promise<BusinessAlert> {
    return this.change(
      caller,
      id,
      'acknowledged',
      [AlertStatus.active],
      (alert, now) => {
        Object.assign(alert, { status: AlertStatus.acknowledged, acknowledgedAt: now, acknowledgedBy: this.em.getReference(User, caller.id) });
        return { kind: AlertEventKind.acknowledged };
      },
      async (tx, alert) => void (await this.planner.cancelStaffNotices(tx, [alert.id])),
    );
  }

  async assign(caller: AuthUser, id: string, assigneeId: string): Promise<BusinessAlert> {
    const assignee = await this.em.fork().findOne(User, { id: assigneeId });
    if (!assignee || !assignee.roles.some((role) => STAFF.includes(role))) throw AlertsError.notStaff(assigneeId);
    return this.change(caller, id, 'assigned', OPEN_STATUSES, (alert) => {
      alert.assignee = this.em.getReference(User, assigneeId);
      return { kind: AlertEventKind.assigned, details: { assigneeId } };
    });
  }

  /** Closed by hand: staff who were told of it hear that it is resolved. */
  resolve(caller: AuthUser, id: string, note: string | null): Promise<BusinessAlert> {
    return this.change(
      caller,
      id,
      'resolved',
      OPEN_STATUSES,
      (alert, now) => {
        Object.assign(alert, { status: AlertStatus.resolved, resolvedAt: now, resolvedBy: this.em.getReference(User, caller.id), resolutionNote: note });
        return { kind: AlertEventKind.resolved, details: { note } };
      },
      async (tx, alert, now) => void (await this.planner.planStaffNotices(tx, await this.closeNotices(tx, [alert], now))),
    );
  }

  /** A silence: the alert stays open (so the condition raises nothing new) but quiet until `until`; notices not yet gone are dropped. */
  ignore(caller: AuthUser, id: string, until: Date, reason: string): Promise<BusinessAlert> {
    if (until.getTime() <= this.clock.now().getTime()) throw AlertsError.silenceInPast(until);
    return this.change(
      caller,
      id,
      'ignored',
      OPEN_STATUSES,
      (alert) => {
        Object.assign(alert, { status: AlertStatus.ignored, ignoredUntil: until, ignoreReason: reason });
        return { kind: AlertEventKind.ignored, details: { until: until.toISOString(), reason } };
      },
      async (tx, alert) => void (await this.planner.cancelStaffNotices(tx, [alert.id])),
    );
  }

  /** An alert raised by hand (admins): its own key, so it never merges with a scan's. */
  async raise(caller: AuthUser, input: RaiseAlertInput): Promise<BusinessAlert> {
    const now = this.clock.now();
    const raised = await this.em.fork().transactional(async (tx) => {
      const alert = tx.create(BusinessAlert, {
        type: AlertType.manual,
        severity: input.severity,
        title: input.title,
        description: input.description ?? '',
        dedupKey: `manual:${randomUUID()}`,
        firstSeenAt: now,
        lastSeenAt: now,
      });
      tx.create(AlertEvent, { alert, kind: AlertEventKind.raised, actorId: caller.id, details: { severity: input.severity } });
      await tx.flush();
      await this.planner.planStaffNotices(tx, [await this.recordNotice(tx, alert.id, AlertNoticeKind.raised, now)]);
      // The notice counters were written in SQL: read them back for the answer.
      await tx.refresh(alert);
      return alert;
    });
    await this.announce([raised]);
    return raised;
  }

  /** Loads the alert locked, checks it may take the change, applies it and records the event, in one transaction. */
  private async change(
    caller: AuthUser,
    id: string,
    action: string,
    from: readonly AlertStatus[],
    apply: (alert: BusinessAlert, now: Date) => { kind: AlertEventKind; details?: Record<string, unknown> },
    /** Runs after the change is written, in its transaction: what it means for staff notices. */
    then?: (tx: EntityManager, alert: BusinessAlert, now: Date) => Promise<void>,
  ): Promise<BusinessAlert> {
    const changed = await this.em.fork().transactional(async (tx) => {
      const alert = await tx.findOne(BusinessAlert, { id, ...visibleTo(caller) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!alert) throw AlertsError.notFound(id);
      if (!from.includes(alert.status)) throw AlertsError.illegalState(id, action, alert.status);
      const now = this.clock.now();
      const { kind, details } = apply(alert, now);
      tx.create(AlertEvent, { alert, kind, actorId: caller.id, details: details ?? {} });
      if (then) {
        await tx.flush();
        await then(tx, alert, now);
        // The notice counters were written in SQL: read them back for the answer.
        await tx.refresh(alert);
      }
      return alert;
    });
    await this.announce([changed]);
    return changed;
  }

  /** Counts one more notice on the alert and returns it, numbered, as the planner takes it. */
  private async recordNotice(tx: EntityManager, alertId: string, kind: AlertNoticeKind, now: Date): Promise<StaffNotice> {
    const [row] = await rawQuery<{ id: string; type: AlertType; severity: AlertSeverity; title: string; description: string; occurrences: number; first_seen_at: string | Date; notices_sent: number }>(
      tx,
      `update "business_alerts" set "notices_sent" = "notices_sent" + 1, "last_notice_at" = ?, "last_notice_severity" = "severity"
        where "id" = ? returning "id", "type", "severity", "title", "description", "occurrences", "first_seen_at", "notices_sent"`,
      [now, alertId],
    );
    const notice = noticeOf({ ...row, firstSeenAt: new Date(row.first_seen_at) }, kind);
    return { notice, sequence: row.notices_sent, roles: ALERT_AUDIENCE[row.type] };
  }

  /** Closed alerts: their pending notices are dropped, and staff already told of them hear that they are resolved. */
  private async closeNotices(tx: EntityManager, alerts: readonly { id: string; noticesSent: number }[], now: Date): Promise<StaffNotice[]> {
    await this.planner.cancelStaffNotices(
      tx,
      alerts.map((alert) => alert.id),
      AlertNoticeKind.resolved,
    );
    const told = alerts.filter((alert) => alert.noticesSent > 0);
    return Promise.all(told.map((alert) => this.recordNotice(tx, alert.id, AlertNoticeKind.resolved, now)));
  }

  /** Tells live subscribers, after the commit; a Redis hiccup loses the announcement, never the change. */
  private async announce(alerts: readonly BusinessAlert[]): Promise<void> {
    await Promise.all(
      alerts.map((alert) =>
        this.live
          .publish<AlertChanged>(ALERT_CHANGED_TOPIC, { alertId: alert.id, type: alert.type, severity: alert.severity })
          .catch((error: unknown) => this.logger.warn(`Could not announce alert ${alert.id} (${error instanceof Error ? error.message : String(error)})`)),
      ),
    );
  }
}

/** Finance sees payment alerts only; ops and admins see all. */
export function visibleTo(caller: AuthUser): { type?: AlertType } {
  return caller.has(Role.ops) ? {} : { type: AlertType.payment_on_hold };
}

const rank = (severity: AlertSeverity) => SEVERITY_ORDER.indexOf(severity);

/**
 * Raises the condition's alert or updates its open one: seen once more, never a lower severity,
 * and a silence that has run out ends. Returns whether it was new and the severity it had.
 */
const UPSERT_OPEN = `
with "previous" as (select "id", "severity" from "business_alerts" where "dedup_key" = ? and "status" in ('active', 'acknowledged', 'ignored'))
insert into "business_alerts" ("id", "created_at", "updated_at", "type", "severity", "status", "title", "description", "dedup_key", "occurrences", "first_seen_at", "last_seen_at", "metadata")
values (gen_random_uuid(), ?, ?, ?, ?, 'active', ?, ?, ?, 1, ?, ?, ?::jsonb)
on conflict ("dedup_key") where "status" in ('active', 'acknowledged', 'ignored') do update set
  "occurrences" = "business_alerts"."occurrences" + 1,
  "last_seen_at" = excluded."last_seen_at",
  "severity" = case when array_position(?::text[], excluded."severity") > array_position(?::text[], "business_alerts"."severity") then excluded."severity" else "business_alerts"."severity" end,
  "title" = excluded."title",
  "description" = excluded."description",
  "metadata" = excluded."metadata",
  "status" = case when "business_alerts"."status" = 'ignored' and "business_alerts"."ignored_until" <= excluded."last_seen_at" then 'active' else "business_alerts"."status" end,
  "updated_at" = excluded."updated_at"
returning "id", (xmax = 0) as "inserted", (select "severity" from "previous") as "previous",
          "status", "severity", "notices_sent", "last_notice_at", "last_notice_severity"`;

/** What UPSERT_OPEN returns: whether the alert is new, the severity it had, and where it stands now. */
interface UpsertedAlert {
  id: string;
  inserted: boolean;
  previous: AlertSeverity | null;
  status: AlertStatus;
  severity: AlertSeverity;
  notices_sent: number;
  last_notice_at: string | Date | null;
  last_notice_severity: AlertSeverity | null;
}
