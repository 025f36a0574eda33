import { AlertRuleTiming } from '../core/config/herald-config';
import { HeldPayment, OverdueBooking, PendingSignature } from '../bookings/stuck-bookings.service';
import { ChannelBacklog, ChannelLateness, ChannelOutcomes, ChannelRetries } from '../notifications/health/engine-health.service';
import { AlertSeverity, AlertType } from './business-alert.entity';

/** A condition a scan found true now: what the open alert of its key should say. */
export interface Condition {
  dedupKey: string;
  severity: AlertSeverity;
  title: string;
  description: string;
  metadata: Record<string, unknown>;
}

const HOUR = 3_600_000;
const hours = (ms: number) => Math.floor(ms / HOUR);
const minutes = (ms: number) => Math.floor(ms / 60_000);
/** Fewer finished sends than this in the window say nothing about a channel's health (its failure rate, its lateness). */
export const MIN_SENDS_FOR_FAILURE_RATE = 10;
/** Fewer messages retrying than this may be one bad address, not a provider down. */
export const MIN_RETRYING_FOR_UNREACHABLE = 3;

/** The scan rules: which alert type each watches, and how it reads its findings into conditions. */
export const RULES = {
  [AlertType.signature_pending]: (signatures: readonly PendingSignature[], timing: AlertRuleTiming, now: Date): Condition[] =>
    signatures.map((signature) => {
      const age = now.getTime() - signature.requestedAt.getTime();
      return {
        dedupKey: `signature_pending:${signature.id}`,
        severity: age >= timing.escalateAfterMs ? AlertSeverity.critical : AlertSeverity.high,
        title: `Signature pending for ${hours(age)} h`,
        description: `The signature requested for booking ${signature.bookingId} at ${signature.requestedAt.toISOString()} is still missing.`,
        metadata: { signatureRequestId: signature.id, bookingId: signature.bookingId, requestedAt: signature.requestedAt.toISOString() },
      };
    }),

  /** One alert for all payments on hold: finance wants the total and the list, not one alert per payment. */
  [AlertType.payment_on_hold]: (payments: readonly HeldPayment[], timing: AlertRuleTiming, now: Date): Condition[] => {
    if (payments.length === 0) return [];
    const oldest = Math.min(...payments.map((payment) => payment.heldSince.getTime()));
    const totals: Record<string, number> = {};
    for (const payment of payments) totals[payment.currency] = (totals[payment.currency] ?? 0) + Number(payment.amount);
    const total = Object.entries(totals)
      .map(([currency, amount]) => `${amount.toFixed(2)} ${currency}`)
      .join(', ');
    return [
      {
        dedupKey: 'payment_on_hold',
        severity: now.getTime() - oldest >= timing.escalateAfterMs ? AlertSeverity.high : AlertSeverity.medium,
        title: `${payments.length} payment(s) on hold for over ${hours(timing.afterMs)} h`,
        description: `Held in all: ${total}. The oldest has been on hold since ${new Date(oldest).toISOString()}.`,
        metadata: {
          totals: Object.fromEntries(Object.entries(totals).map(([currency, amount]) => [currency, amount.toFixed(2)])),
          payments: payments.map((payment) => ({ id: payment.id, bookingId: payment.bookingId, amount: payment.amount, currency: payment.currency, heldSince: payment.heldSince.toISOString() })),
        },
      },
    ];
  },

  [AlertType.booking_overdue]: (bookings: readonly OverdueBooking[], timing: AlertRuleTiming, now: Date): Condition[] =>
    bookings.map((booking) => {
      const age = now.getTime() - booking.endsAt.getTime();
      return {
        dedupKey: `booking_overdue:${booking.id}`,
        severity: age >= timing.escalateAfterMs ? AlertSeverity.critical : AlertSeverity.high,
        title: `Booking overdue by ${hours(age)} h: ${booking.serviceName}`,
        description: `Booking ${booking.id} ended at ${booking.endsAt.toISOString()} and is neither completed nor cancelled.`,
        metadata: { bookingId: booking.id, providerId: booking.providerId, endsAt: booking.endsAt.toISOString() },
      };
    }),

  [AlertType.delivery_backlog]: (backlogs: readonly ChannelBacklog[], timing: AlertRuleTiming, now: Date): Condition[] =>
    backlogs
      .filter((backlog) => now.getTime() - backlog.oldestDueAt.getTime() >= timing.afterMs)
      .map((backlog) => {
        const age = now.getTime() - backlog.oldestDueAt.getTime();
        return {
          dedupKey: `delivery_backlog:${backlog.channel}`,
          severity: age >= timing.escalateAfterMs ? AlertSeverity.critical : AlertSeverity.high,
          title: `${backlog.channel}: ${backlog.due} message(s) waiting, the oldest ${minutes(age)} min past due`,
          description: `Messages on ${backlog.channel} are not going out: check the channel's provider and the workers.`,
          metadata: { channel: backlog.channel, due: backlog.due, oldestDueAt: backlog.oldestDueAt.toISOString() },
        };
      }),

  [AlertType.channel_failing]: (outcomes: readonly ChannelOutcomes[], rule: { percent: number; windowMs: number }): Condition[] =>
    outcomes
      .filter((outcome) => outcome.sent + outcome.failed >= MIN_SENDS_FOR_FAILURE_RATE && (100 * outcome.failed) / (outcome.sent + outcome.failed) >= rule.percent)
      .map((outcome) => {
        const percent = Math.round((100 * outcome.failed) / (outcome.sent + outcome.failed));
        return {
          dedupKey: `channel_failing:${outcome.channel}`,
          severity: percent >= 50 ? AlertSeverity.critical : AlertSeverity.high,
          title: `${outcome.channel}: ${percent} % of messages failing`,
          description: `${outcome.failed} of ${outcome.sent + outcome.failed} messages due on ${outcome.channel} in the last ${minutes(rule.windowMs)} min failed.`,
          metadata: { channel: outcome.channel, sent: outcome.sent, failed: outcome.failed, percent },
        };
      }),

  /** `lateness` carries the p95 as its one quantile. */
  [AlertType.reminders_late]: (lateness: readonly ChannelLateness[], rule: { p95Ms: number; windowMs: number }): Condition[] =>
    lateness
      .filter((row) => row.sent >= MIN_SENDS_FOR_FAILURE_RATE && row.quantiles[0] * 1000 >= rule.p95Ms)
      .map((row) => ({
        dedupKey: `reminders_late:${row.channel}`,
        severity: row.quantiles[0] * 1000 >= 5 * rule.p95Ms ? AlertSeverity.critical : AlertSeverity.high,
        title: `${row.channel}: reminders ${Math.round(row.quantiles[0])} s late (p95)`,
        description: `Of ${row.sent} reminders sent on ${row.channel} in the last ${minutes(rule.windowMs)} min, 5 % were later than ${Math.round(row.quantiles[0])} s (the latest ${Math.round(row.max)} s).`,
        metadata: { channel: row.channel, sent: row.sent, p95Seconds: row.quantiles[0], maxSeconds: row.max },
      })),

  /** Messages retrying after errors with no send getting through since the oldest of them fell due: the provider is unreachable. */
  [AlertType.channel_unreachable]: (retries: readonly ChannelRetries[], timing: AlertRuleTiming, now: Date): Condition[] =>
    retries
      .map((row) => ({ ...row, since: Math.max(row.oldestDueAt.getTime(), row.lastSentAt?.getTime() ?? 0) }))
      .filter((row) => row.retrying >= MIN_RETRYING_FOR_UNREACHABLE && now.getTime() - row.since >= timing.afterMs)
      .map((row) => {
        const age = now.getTime() - row.since;
        return {
          dedupKey: `channel_unreachable:${row.channel}`,
          severity: age >= timing.escalateAfterMs ? AlertSeverity.critical : AlertSeverity.high,
          title: `${row.channel}: provider unreachable for ${minutes(age)} min`,
          description: `${row.retrying} message(s) on ${row.channel} are waiting to be tried again after errors, and nothing has gone through since ${new Date(row.since).toISOString()}. Check the provider's status and Herald's credentials for it.`,
          metadata: { channel: row.channel, retrying: row.retrying, oldestDueAt: row.oldestDueAt.toISOString(), lastSentAt: row.lastSentAt?.toISOString() ?? null },
        };
      }),

  [AlertType.relay_behind]: (oldestUnplanned: Date | null, timing: AlertRuleTiming, now: Date): Condition[] => {
    if (!oldestUnplanned || now.getTime() - oldestUnplanned.getTime() < timing.afterMs) return [];
    const age = now.getTime() - oldestUnplanned.getTime();
    return [
      {
        dedupKey: 'relay_behind',
        severity: age >= timing.escalateAfterMs ? AlertSeverity.critical : AlertSeverity.high,
        title: `Booking changes unplanned for ${minutes(age)} min`,
        description: 'The booking event relay is behind: confirmations and reminders of recent changes are not planned yet. Check the workers and schedulers.',
        metadata: { oldestUnplannedAt: oldestUnplanned.toISOString() },
      },
    ];
  },
};

export type ScannedType = keyof typeof RULES;
export const SCANNED_TYPES = Object.keys(RULES) as ScannedType[];
