import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Booking } from '../bookings/booking.entity';
import { BaseEntity } from '../core/database/base.entity';
import { User } from '../users/user.entity';

/** What a message is about. Keys are the stored and wire spelling alike. */
export enum NotificationType {
  booking_confirmation = 'booking_confirmation',
  provider_new_booking = 'provider_new_booking',
  booking_reminder = 'booking_reminder',
  booking_starting = 'booking_starting',
  booking_ending_soon = 'booking_ending_soon',
  provider_next_booking = 'provider_next_booking',
  provider_daily_agenda = 'provider_daily_agenda',
  booking_rescheduled = 'booking_rescheduled',
  booking_cancelled = 'booking_cancelled',
  /** To the provider at set local hours: a booking ending soon or ended is still to be marked completed (or no-show). */
  provider_completion_reminder = 'provider_completion_reminder',
  /** To ops, finance or admins: a business alert raised, escalated, still open, or resolved. */
  staff_alert = 'staff_alert',
  /** Marketing, to providers serving a postal code: demand is high there, or a bonus for bookings there (campaigns). */
  area_demand = 'area_demand',
  /** Marketing, to customers in a postal code with little activity: a promotion (campaigns). */
  area_promotion = 'area_promotion',
}

/** The types campaigns send. */
export const CAMPAIGN_TYPES: readonly NotificationType[] = [NotificationType.area_demand, NotificationType.area_promotion];
registerEnumType(NotificationType, { name: 'NotificationType' });

export enum NotificationChannel {
  in_app = 'in_app',
  telegram = 'telegram',
  email = 'email',
  sms = 'sms',
}
registerEnumType(NotificationChannel, { name: 'NotificationChannel' });

export enum NotificationStatus {
  planned = 'planned',
  queued = 'queued',
  sending = 'sending',
  sent = 'sent',
  failed = 'failed',
  cancelled = 'cancelled',
  skipped = 'skipped',
}
registerEnumType(NotificationStatus, { name: 'NotificationStatus' });

/** Statuses a notification can still leave on its own; cancelling a booking cancels these. */
export const PENDING_STATUSES: readonly NotificationStatus[] = [NotificationStatus.planned, NotificationStatus.queued];

/** Why a notification was skipped or cancelled. */
export enum NotificationReason {
  too_late = 'too_late',
  rescheduled = 'rescheduled',
  booking_cancelled = 'booking_cancelled',
  booking_completed = 'booking_completed',
  booking_no_show = 'booking_no_show',
  booking_changed = 'booking_changed',
  no_address = 'no_address',
  opted_out = 'opted_out',
  /** The recipient's preferences no longer call for it (a changed reminder schedule). */
  preferences_changed = 'preferences_changed',
  /** Held back by the recipient's quiet hours until after the booking had started; another reminder went instead. */
  quiet_hours = 'quiet_hours',
  no_bookings = 'no_bookings',
  cancelled_by_operator = 'cancelled_by_operator',
  /** A staff notice whose alert was acknowledged, silenced or resolved before it went. */
  alert_closed = 'alert_closed',
}
registerEnumType(NotificationReason, { name: 'NotificationReason' });

/**
 * Ids and facts the message was planned from. Rendering reads live data from Postgres; these
 * let the send-time check see whether the booking still is what the message was planned for.
 */
export interface NotificationPayload {
  /** The booking's start and end when planned (ISO), for reminders and notices. */
  startsAt?: string;
  endsAt?: string;
  /** For reschedule notices: where the booking was before. */
  previousStartsAt?: string;
  /** For the provider's agenda: the provider's local date, YYYY-MM-DD. */
  agendaDate?: string;
  /** For cancellation notices. */
  cancellationReason?: string | null;
  /** For staff notices: the alert as it stood when the notice was planned. */
  alert?: AlertNotice;
  /** For campaign messages: the campaign run and the area's figures it matched on. */
  campaign?: CampaignMessage;
}

/** The campaigns Herald runs (seed 004), each with its own thresholds and schedule. */
export enum CampaignKind {
  /** Many bookings in an area: its providers are told, so they open more slots there. */
  high_demand = 'high_demand',
  /** Many bookings and few providers: every provider there is offered a bonus. */
  provider_bonus = 'provider_bonus',
  /** Few bookings: customers there are offered a discount. */
  low_activity = 'low_activity',
}
registerEnumType(CampaignKind, { name: 'CampaignKind' });

/** What a campaign message says: the area, the day its figures are of, and the figures. */
export interface CampaignMessage {
  runId: string;
  campaignId: string;
  kind: CampaignKind;
  postalCode: string;
  /** The local day (YYYY-MM-DD) whose figures matched. */
  date: string;
  bookings: number;
  providers: number;
  /** The bonus or discount, in percent; null when the campaign offers none. */
  percent: number | null;
}

/** Why a staff notice goes: the alert is new, grew more severe, is still open after its repeat interval, or cleared. */
export enum AlertNoticeKind {
  raised = 'raised',
  escalated = 'escalated',
  repeated = 'repeated',
  resolved = 'resolved',
}

/** What a staff notice says of its alert; the alerts module fills it (its names, as plain strings here). */
export interface AlertNotice {
  alertId: string;
  kind: AlertNoticeKind;
  alertType: string;
  severity: string;
  title: string;
  description: string;
  occurrences: number;
  firstSeenAt: string;
}

/** One message to one recipient on one channel. Postgres is the truth; Redis only times it. */
@ObjectType()
@Entity({ tableName: 'notifications' })
@Index({ properties: ['status', 'dueAt'] })
@Index({ properties: ['recipient', 'createdAt'] })
@Index({ properties: ['booking'] })
export class Notification extends BaseEntity<
  | 'booking'
  | 'offsetSeconds'
  | 'offsetMinutes'
  | 'status'
  | 'reason'
  | 'attempts'
  | 'lastError'
  | 'nextAttemptAt'
  | 'sentAt'
  | 'providerMessageId'
  | 'bookingVersion'
  | 'payload'
  | 'subject'
  | 'body'
  | 'readAt'
  | 'historyDeletedAt'
  | 'recipientId'
  | 'bookingId'
  | 'fallbackOf'
  | 'deliveryStatus'
  | 'deliveryUpdatedAt'
  | 'leaseUntil'
> {
  @Field(() => ID)
  declare id: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  recipient: User;

  @ManyToOne(() => Booking, { nullable: true, deleteRule: 'cascade' })
  booking: Booking | null = null;

  @Field(() => ID)
  get recipientId(): string {
    return this.recipient.id;
  }

  @Field(() => ID, { nullable: true })
  get bookingId(): string | null {
    return this.booking?.id ?? null;
  }

  @Field(() => NotificationType)
  @Enum({ items: () => NotificationType })
  type: NotificationType;

  @Field(() => NotificationChannel)
  @Enum({ items: () => NotificationChannel })
  channel: NotificationChannel;

  @Field(() => Int, { description: "Seconds before the booking's start (reminders, nudges) or end (ending soon); 0 otherwise" })
  @Property({ type: 'integer' })
  offsetSeconds: number = 0;

  /** Published before offsets were kept in seconds; kept for existing clients. */
  @Field(() => Int, { description: 'offsetSeconds in whole minutes (rounded down)' })
  get offsetMinutes(): number {
    return Math.trunc(this.offsetSeconds / 60);
  }

  @Field()
  @Property({ type: 'timestamptz' })
  dueAt: Date;

  @Field(() => NotificationStatus)
  @Enum({ items: () => NotificationStatus })
  status: NotificationStatus = NotificationStatus.planned;

  @Field(() => NotificationReason, { nullable: true, description: 'Why it was skipped or cancelled' })
  @Enum({ items: () => NotificationReason, nullable: true })
  reason: NotificationReason | null = null;

  @Field(() => Int)
  @Property({ type: 'integer' })
  attempts: number = 0;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  sentAt: Date | null = null;

  /** Provider callbacks (Twilio's status reports) find the row by it (a partial index, in the migrations only). */
  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  providerMessageId: string | null = null;

  /** The booking version whose schedule this was planned for (created or last rescheduled). */
  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  bookingVersion: number | null = null;

  @Property({ type: 'jsonb' })
  payload: NotificationPayload = {};

  /** Makes planning idempotent in the database: one row per (booking, type, offset, channel, recipient, version). */
  @Unique()
  @Property({ type: 'text' })
  dedupKey: string;

  /** What was sent, kept for the inbox and the history. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  subject: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  body: string | null = null;

  /** The notification on an earlier channel this one stands in for (fallback chain). */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  fallbackOf: string | null = null;

  /** What the provider later reported about delivery (e.g. Twilio: delivered, undelivered). */
  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  deliveryStatus: string | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  deliveryUpdatedAt: Date | null = null;

  /** While `sending`: when the claim runs out and the row goes back to `queued` (a lost batch, a dead process). */
  @Property({ type: 'timestamptz', nullable: true })
  leaseUntil: Date | null = null;

  /** In-app only: when the recipient read it. */
  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  readAt: Date | null = null;

  /** An admin deleted it from the history: its words are gone; the row stays as planning's key, so nothing is planned again. */
  @Property({ type: 'timestamptz', nullable: true })
  historyDeletedAt: Date | null = null;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;
}

/** The dedup key of a booking-bound notification. */
export function bookingDedupKey(parts: {
  bookingId: string;
  type: NotificationType;
  offsetSeconds: number;
  channel: NotificationChannel;
  recipientId: string;
  bookingVersion: number;
}): string {
  return [parts.bookingId, parts.type, offsetKey(parts.offsetSeconds), parts.channel, parts.recipientId, `v${parts.bookingVersion}`].join(':');
}

/**
 * An offset as its key part: whole minutes as their number of minutes ("60"), the form stored
 * keys have always had, and any other offset exactly in seconds ("20s"), so none collide.
 */
function offsetKey(offsetSeconds: number): string {
  return offsetSeconds % 60 === 0 ? String(offsetSeconds / 60) : `${offsetSeconds}s`;
}

/** The dedup key of a staff notice: the n-th notice of an alert, once per recipient and channel. */
export function alertNoticeDedupKey(alertId: string, sequence: number, recipientId: string, channel: NotificationChannel): string {
  return ['alert', alertId, `n${sequence}`, recipientId, channel].join(':');
}

/** The dedup key of a campaign message: once per campaign, postal code and day, to each recipient on each channel. */
export function campaignDedupKey(campaignId: string, postalCode: string, date: string, recipientId: string, channel: NotificationChannel): string {
  return ['campaign', campaignId, postalCode, date, recipientId, channel].join(':');
}

/** The dedup key of a provider's agenda: once per provider, local day and channel. */
export function agendaDedupKey(providerId: string, localDate: string, channel: NotificationChannel): string {
  return ['agenda', providerId, localDate, channel].join(':');
}

/** Live-events topic on which a user's delivered in-app messages are announced: one per user, so a subscriber hears only their own. */
export function notificationReceivedTopic(recipientId: string): string {
  return `notificationReceived:${recipientId}`;
}

export interface NotificationReceived {
  notificationId: string;
  recipientId: string;
}
