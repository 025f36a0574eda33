import { Role } from '../auth/role';
import { AlertNotice, AlertNoticeKind } from '../notifications/notification.entity';
import { AlertSeverity, AlertStatus, AlertType, SEVERITY_ORDER } from './business-alert.entity';

/** Who is told of each alert type (seed 004's recipients); finance hears of payments only. */
export const ALERT_AUDIENCE: Record<AlertType, readonly Role[]> = {
  [AlertType.signature_pending]: [Role.ops, Role.admin],
  [AlertType.payment_on_hold]: [Role.ops, Role.finance],
  [AlertType.booking_overdue]: [Role.ops],
  [AlertType.delivery_backlog]: [Role.ops, Role.admin],
  [AlertType.channel_failing]: [Role.ops, Role.admin],
  [AlertType.relay_behind]: [Role.ops, Role.admin],
  [AlertType.reminders_late]: [Role.ops, Role.admin],
  [AlertType.channel_unreachable]: [Role.ops, Role.admin],
  [AlertType.manual]: [Role.ops, Role.admin],
};

/** An open alert as a scan leaves it, with what it has told staff so far. */
export interface NoticeState {
  status: AlertStatus;
  severity: AlertSeverity;
  noticesSent: number;
  lastNoticeAt: Date | null;
  lastNoticeSeverity: AlertSeverity | null;
}

const rank = (severity: AlertSeverity | null) => (severity === null ? -1 : SEVERITY_ORDER.indexOf(severity));

/**
 * Whether a scan that found an alert's condition should tell staff, and why: nothing while it
 * is silenced; the first notice once it is open (`raised`); a severity above the last one told,
 * even when acknowledged (`escalated`); and while nobody has acknowledged it, again once its
 * severity's repeat interval has passed since the last notice (`repeated`; never for a severity
 * without one). Null: stay quiet.
 */
export function noticeFor(alert: NoticeState, now: Date, repeatMs: Partial<Record<AlertSeverity, number>>): AlertNoticeKind | null {
  if (alert.status === AlertStatus.ignored || alert.status === AlertStatus.resolved) return null;
  if (alert.noticesSent === 0) return AlertNoticeKind.raised;
  if (rank(alert.severity) > rank(alert.lastNoticeSeverity)) return AlertNoticeKind.escalated;
  const every = repeatMs[alert.severity];
  if (alert.status !== AlertStatus.active || every === undefined || alert.lastNoticeAt === null) return null;
  return now.getTime() - alert.lastNoticeAt.getTime() >= every ? AlertNoticeKind.repeated : null;
}

/** What a notice says of its alert. */
export function noticeOf(
  alert: { id: string; type: AlertType; severity: AlertSeverity; title: string; description: string; occurrences: number; firstSeenAt: Date },
  kind: AlertNoticeKind,
): AlertNotice {
  return {
    alertId: alert.id,
    kind,
    alertType: alert.type,
    severity: alert.severity,
    title: alert.title,
    description: alert.description,
    occurrences: alert.occurrences,
    firstSeenAt: alert.firstSeenAt.toISOString(),
  };
}
