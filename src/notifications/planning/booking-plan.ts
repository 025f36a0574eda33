import { DateTime } from 'luxon';
import { BookingEventType } from '../../bookings/booking-event.entity';
import { ACTIVE_STATUSES, BookingStatus } from '../../bookings/booking.entity';
import { HeraldConfig } from '../../core/config/herald-config';
import { localDateIn, zoneOrUtc } from '../../core/time/zones';
import { RecipientPreferences, wantsType } from '../../preferences/preference-rules';
import { externalAddress, switchedOff } from '../channels/channel-address';
import {
  agendaDedupKey,
  bookingDedupKey,
  NotificationChannel,
  NotificationPayload,
  NotificationReason,
  NotificationStatus,
  NotificationType,
} from '../notification.entity';
import { defaultReminderSchedule, ReminderEntry } from '../reminder-schedule';

/**
 * The planning rules, as a pure function: which notifications a booking event calls for, when
 * each is due, on which channel, and in which status it starts. No I/O, no clock: `now` is an
 * input, so every rule is unit-tested with fixed values.
 */

export type ExternalChannel = NotificationChannel.telegram | NotificationChannel.email | NotificationChannel.sms;

/** The settings planning reads; `planSettingsFrom` builds them from the validated config. */
export interface PlanSettings {
  /** Customer reminders for those without their own schedule (NOTIFY_REMINDER_OFFSETS). */
  reminders: readonly ReminderEntry[];
  atStart: boolean;
  beforeEndMs: number | null;
  providerNextBookingMs: number;
  agendaHour: number;
  /** Rows due within this window start `queued` (the dispatcher takes them when due); later ones stay `planned` until promoted. */
  queueHorizonMs: number;
  /** External channels in order of preference (NOTIFY_CHANNELS), for types without their own order. */
  channels: readonly ExternalChannel[];
  /** Per-type orders overriding `channels` (NOTIFY_CHANNELS_BY_TYPE). */
  channelsByType: ChannelsByType;
  /** Also put every message in the in-app inbox (NOTIFY_IN_APP_COPY). */
  inAppCopy: boolean;
}

export function planSettingsFrom(config: HeraldConfig): PlanSettings {
  const timing = config.notificationTiming;
  return {
    reminders: defaultReminderSchedule(config),
    atStart: timing.atStart,
    beforeEndMs: timing.beforeEndMs,
    providerNextBookingMs: timing.providerNextBookingMs,
    agendaHour: timing.agendaHour,
    queueHorizonMs: timing.queueHorizonMs,
    channels: parseChannelList(config.NOTIFY_CHANNELS, 'NOTIFY_CHANNELS'),
    channelsByType: parseChannelsByType(config.NOTIFY_CHANNELS_BY_TYPE),
    inAppCopy: config.NOTIFY_IN_APP_COPY,
  };
}

export type ChannelsByType = Partial<Record<NotificationType, readonly ExternalChannel[]>>;

const EXTERNAL_CHANNELS: readonly string[] = [NotificationChannel.telegram, NotificationChannel.email, NotificationChannel.sms];
const NOTIFICATION_TYPES: readonly string[] = Object.values(NotificationType);

/**
 * A comma-separated channel order ("telegram,email,sms"): external channels only, each once
 * (a repeat is dropped, the first position wins). Throws naming `setting` on anything else.
 */
export function parseChannelList(list: string, setting: string): ExternalChannel[] {
  const channels: ExternalChannel[] = [];
  for (const name of list.split(',').map((part) => part.trim())) {
    if (!EXTERNAL_CHANNELS.includes(name)) {
      throw new Error(`${setting}: "${name}" is not a channel (use ${EXTERNAL_CHANNELS.join(', ')})`);
    }
    if (!channels.includes(name as ExternalChannel)) channels.push(name as ExternalChannel);
  }
  return channels;
}

/**
 * NOTIFY_CHANNELS_BY_TYPE ("booking_reminder=telegram,sms,email;booking_confirmation=email"),
 * parsed once at boot. An unknown type, a type listed twice or a bad channel stops the app with
 * an error naming the setting, so a typo never silently falls back to NOTIFY_CHANNELS.
 */
export function parseChannelsByType(setting: string): ChannelsByType {
  const orders: ChannelsByType = {};
  if (setting.trim() === '') return orders;
  for (const entry of setting.split(';')) {
    const [rawType, list, ...rest] = entry.split('=');
    const type = rawType?.trim() ?? '';
    if (list === undefined || rest.length > 0 || type === '') {
      throw new Error(`NOTIFY_CHANNELS_BY_TYPE: "${entry}" is not "type=channel,channel"`);
    }
    if (!NOTIFICATION_TYPES.includes(type)) {
      throw new Error(`NOTIFY_CHANNELS_BY_TYPE: unknown notification type "${type}" (known: ${NOTIFICATION_TYPES.join(', ')})`);
    }
    if (orders[type as NotificationType]) throw new Error(`NOTIFY_CHANNELS_BY_TYPE: "${type}" is listed twice`);
    orders[type as NotificationType] = parseChannelList(list, `NOTIFY_CHANNELS_BY_TYPE (${type})`);
  }
  return orders;
}

/** The external channels a type is tried on, in order: its own order, else NOTIFY_CHANNELS. */
export function channelOrderFor(type: NotificationType, settings: Pick<PlanSettings, 'channels' | 'channelsByType'>): readonly ExternalChannel[] {
  return settings.channelsByType[type] ?? settings.channels;
}

/** A person a message may go to, with the addresses the channels need. */
export interface PlanParty {
  id: string;
  telegramChatId: string | null;
  /** Telegram switched off (/stop, bot blocked): not reachable there even with a chat id. */
  telegramOffAt?: Date | null;
  email: string | null;
  phone: string | null;
  /** SMS switched off (carrier reported the number unsubscribed). */
  smsOffAt?: Date | null;
  /** IANA time zone; the provider's decides the local day and hour of their agenda. */
  timezone: string;
  /** Their notification preferences; absent: the defaults. */
  preferences?: RecipientPreferences;
}

export interface PlanBooking {
  id: string;
  startsAt: Date;
  endsAt: Date;
  timezone: string;
  status: BookingStatus;
  /** The booking's current version. */
  version: number;
  /**
   * Version of the booking's latest `created`/`rescheduled` event: the schedule it is at now.
   * A created/rescheduled trigger older than this is stale and plans nothing new.
   */
  scheduleVersion: number;
}

/** The booking event being planned for, with the facts its notices carry. */
export type PlanTrigger =
  | { type: BookingEventType.created; bookingVersion: number }
  | { type: BookingEventType.rescheduled; bookingVersion: number; previousStartsAt: string | null }
  | { type: BookingEventType.cancelled; bookingVersion: number; cancellationReason: string | null }
  | { type: BookingEventType.completed; bookingVersion: number }
  | { type: BookingEventType.no_show; bookingVersion: number };

export type PlanTriggerType = PlanTrigger['type'];

/** Event types that change what is planned; `confirmed` leaves the schedule as it is. */
export const PLANNED_EVENT_TYPES: readonly BookingEventType[] = [
  BookingEventType.created,
  BookingEventType.rescheduled,
  BookingEventType.cancelled,
  BookingEventType.completed,
  BookingEventType.no_show,
];

export interface BookingPlanInput {
  booking: PlanBooking;
  customer: PlanParty;
  provider: PlanParty;
  settings: PlanSettings;
  trigger: PlanTrigger;
  now: Date;
}

/** One row to insert into `notifications`. */
export interface PlannedNotification {
  dedupKey: string;
  recipientId: string;
  bookingId: string | null;
  type: NotificationType;
  channel: NotificationChannel;
  offsetSeconds: number;
  dueAt: Date;
  status: NotificationStatus.planned | NotificationStatus.queued | NotificationStatus.skipped;
  reason: NotificationReason | null;
  bookingVersion: number | null;
  payload: NotificationPayload;
}

/** Pending rows of the booking to cancel before inserting: those planned for an earlier version. */
export interface CancelPending {
  reason: NotificationReason;
  /** Cancel pending rows whose bookingVersion is below this (the trigger's own rows survive a replay). */
  belowVersion: number;
  /** Types left pending: a reschedule keeps the creation's notices, which still hold. */
  spare: NotificationType[];
}

/** The notices of a booking's creation: true whatever its slot became, so a reschedule keeps them. */
export const CREATION_NOTICES: readonly NotificationType[] = [NotificationType.booking_confirmation, NotificationType.provider_new_booking];

export interface BookingPlan {
  cancel: CancelPending | null;
  rows: PlannedNotification[];
}

const CANCEL_REASON: Partial<Record<BookingEventType, NotificationReason>> = {
  [BookingEventType.rescheduled]: NotificationReason.rescheduled,
  [BookingEventType.cancelled]: NotificationReason.booking_cancelled,
  [BookingEventType.completed]: NotificationReason.booking_completed,
  [BookingEventType.no_show]: NotificationReason.booking_no_show,
};

/**
 * The channels a recipient is reached on: the first external one of `settings.channels` (the
 * type's order) they can be reached on, plus in-app. Later channels are not planned up front;
 * delivery plans them one at a time when an earlier one turns out unreachable or fails for good.
 */
export function channelsFor(
  party: PlanParty,
  settings: { channels: readonly ExternalChannel[]; inAppCopy: boolean },
): {
  channels: NotificationChannel[];
  /** Set when no configured external channel can reach them: the channel a skipped row is recorded on. */
  unreachable: ExternalChannel | null;
} {
  const external = settings.channels.find((channel) => reachableOn(party, channel)) ?? null;
  const channels: NotificationChannel[] = external ? [external] : [];
  if (settings.inAppCopy && !switchedOff(party, NotificationChannel.in_app)) channels.push(NotificationChannel.in_app);
  return { channels, unreachable: external || settings.channels.length === 0 ? null : settings.channels[0] };
}

/**
 * Whether a party can be reached on an external channel: not switched off in their
 * preferences, and Telegram needs a linked chat not switched off, email an address, SMS a phone
 * not switched off. Delivery applies the same rule at send time.
 */
export function reachableOn(party: Omit<PlanParty, 'id' | 'timezone'>, channel: ExternalChannel): boolean {
  return externalAddress(channel, party) !== null;
}

/** The provider's local calendar day (YYYY-MM-DD) an instant falls on. */
export function localDate(instant: Date, timezone: string): string {
  return localDateIn(instant, timezone);
}

/** Agenda moments already worked out, by date, hour and zone: bookings of one provider share them. */
const agendaMoments = new Map<string, Date>();

/**
 * When the agenda of a local day is due: that day at `hour`:00 in `timezone`, as a UTC instant.
 * Luxon applies the zone's offset of that very day, so DST changes are handled; an hour that
 * does not exist that day (spring-forward gap) moves forward to the next valid time.
 */
export function agendaDueAt(date: string, hour: number, timezone: string): Date {
  const key = `${date}|${hour}|${timezone}`;
  let moment = agendaMoments.get(key);
  if (!moment) {
    const [year, month, day] = date.split('-').map(Number);
    moment = DateTime.fromObject({ year, month, day, hour }, { zone: zoneOrUtc(timezone) }).toJSDate();
    if (agendaMoments.size >= 100_000) agendaMoments.clear();
    agendaMoments.set(key, moment);
  }
  return new Date(moment.getTime());
}

/**
 * What a booking event calls for. Rules:
 * - created: confirmation to the customer and a new-booking notice to the provider, due now
 *   (also when the booking was rescheduled before its creation was planned); customer reminders at each offset before start, optional at-start and before-end nudges,
 *   the provider's next-booking nudge, and the provider's agenda for the booking's local day.
 * - rescheduled: pending rows of earlier versions are cancelled (but for the creation's notices,
 *   which still hold); everything timed is planned again for the new slot, and both parties get
 *   a reschedule notice now.
 * - cancelled: pending rows cancelled; both parties get a cancellation notice now.
 * - completed / no_show: pending rows cancelled, nothing new.
 * A timed message whose moment has passed is recorded `skipped`/`too_late`, never sent late; one
 * of a type the recipient opted out of is recorded `skipped`/`opted_out`. The customer's own
 * reminder schedule (preferences) replaces the default one, and a channel they switched off
 * counts as one they cannot be reached on.
 * Rows are keyed to the trigger's version, so replaying an event plans nothing twice.
 */
export function planBooking(input: BookingPlanInput): BookingPlan {
  const { booking, trigger } = input;
  const cancelReason = CANCEL_REASON[trigger.type];
  const spare = trigger.type === BookingEventType.rescheduled ? [...CREATION_NOTICES] : [];
  const cancel = cancelReason ? { reason: cancelReason, belowVersion: trigger.bookingVersion, spare } : null;
  const rows = new BookingRows(input);

  switch (trigger.type) {
    case BookingEventType.created:
    case BookingEventType.rescheduled: {
      // A booking no longer active gets nothing new.
      if (!ACTIVE_STATUSES.includes(booking.status)) break;
      // A stale schedule (a later reschedule exists) plans no reminders and no stale reschedule
      // notice; a booking's creation is confirmed even when it was moved before that was planned.
      const current = trigger.bookingVersion >= booking.scheduleVersion;
      if (trigger.type === BookingEventType.created) {
        rows.bookingRow(input.customer, NotificationType.booking_confirmation, 0, input.now, { immediate: true });
        rows.bookingRow(input.provider, NotificationType.provider_new_booking, 0, input.now, { immediate: true });
      } else if (current) {
        const notice = { previousStartsAt: trigger.previousStartsAt ?? undefined };
        rows.bookingRow(input.customer, NotificationType.booking_rescheduled, 0, input.now, { immediate: true, payload: notice });
        rows.bookingRow(input.provider, NotificationType.booking_rescheduled, 0, input.now, { immediate: true, payload: notice });
      }
      if (current) planTimed(input, rows);
      break;
    }
    case BookingEventType.cancelled: {
      const notice = { cancellationReason: trigger.cancellationReason };
      rows.bookingRow(input.customer, NotificationType.booking_cancelled, 0, input.now, { immediate: true, payload: notice });
      rows.bookingRow(input.provider, NotificationType.booking_cancelled, 0, input.now, { immediate: true, payload: notice });
      break;
    }
    case BookingEventType.completed:
    case BookingEventType.no_show:
      break;
  }
  return { cancel, rows: rows.all() };
}

/** Reminders, nudges and the agenda: everything tied to the booking's time slot. */
function planTimed(input: BookingPlanInput, rows: BookingRows): void {
  const { booking, settings, customer, provider } = input;
  const end = booking.endsAt.getTime();
  const start = booking.startsAt.getTime();
  planReminders(input, rows);
  if (settings.atStart) rows.bookingRow(customer, NotificationType.booking_starting, 0, booking.startsAt);
  if (settings.beforeEndMs !== null) {
    rows.bookingRow(customer, NotificationType.booking_ending_soon, toSeconds(settings.beforeEndMs), new Date(end - settings.beforeEndMs));
  }
  rows.bookingRow(
    provider,
    NotificationType.provider_next_booking,
    toSeconds(settings.providerNextBookingMs),
    new Date(start - settings.providerNextBookingMs),
  );

  const agendaDate = localDate(booking.startsAt, provider.timezone);
  rows.agendaRow(provider, agendaDate, agendaDueAt(agendaDate, settings.agendaHour, provider.timezone));
}

/**
 * The customer's reminders at the trigger's version: their own schedule, else the default; an
 * entry naming a channel tries it before the type's channel order.
 */
function planReminders(input: BookingPlanInput, rows: BookingRows): void {
  const { booking, settings, customer } = input;
  const typeOrder = channelOrderFor(NotificationType.booking_reminder, settings);
  for (const entry of customer.preferences?.reminderSchedule ?? settings.reminders) {
    const order = entry.channel ? [entry.channel, ...typeOrder.filter((channel) => channel !== entry.channel)] : typeOrder;
    rows.bookingRow(customer, NotificationType.booking_reminder, entry.beforeSeconds, new Date(booking.startsAt.getTime() - entry.beforeSeconds * 1000), { order });
  }
}

/**
 * Only the reminders a booking's current schedule calls for, as `planBooking` would plan them:
 * what re-planning after a change of the customer's preferences wants to exist.
 */
export function planReminderSchedule(input: BookingPlanInput): PlannedNotification[] {
  const rows = new BookingRows(input);
  if (ACTIVE_STATUSES.includes(input.booking.status)) planReminders(input, rows);
  return rows.all();
}

/** Offsets are whole seconds (the config refuses others); rounding only guards the integer column. */
const toSeconds = (ms: number): number => Math.round(ms / 1000);

/** Builds rows one recipient and channel at a time, keyed and deduplicated. */
export class RowCollector {
  private readonly rows = new Map<string, PlannedNotification>();

  constructor(private readonly context: { now: Date; settings: PlanSettings }) {}

  all(): PlannedNotification[] {
    return [...this.rows.values()];
  }

  /**
   * The rows of one message to `recipient`: on the first channel of the type's order (or
   * `timing.order`) they can be reached on, plus in-app; `skipped` when its moment has passed
   * (unless `immediate`) or they opted out of the type; `queued` when due within the queue horizon.
   */
  add(
    recipient: PlanParty,
    type: NotificationType,
    dueAt: Date,
    timing: { immediate: boolean; order?: readonly ExternalChannel[] },
    build: (channel: NotificationChannel) => Pick<PlannedNotification, 'dedupKey' | 'bookingId' | 'type' | 'offsetSeconds' | 'bookingVersion' | 'payload'>,
  ): void {
    const { now, settings } = this.context;
    const late = !timing.immediate && dueAt.getTime() < now.getTime();
    // Opted out: recorded skipped, so the history says why nothing came.
    const unwanted = recipient.preferences !== undefined && !wantsType(recipient.preferences, type);
    const queued = dueAt.getTime() - now.getTime() <= settings.queueHorizonMs;
    const status = late || unwanted ? NotificationStatus.skipped : queued ? NotificationStatus.queued : NotificationStatus.planned;
    const reason = unwanted ? NotificationReason.opted_out : late ? NotificationReason.too_late : null;
    const { channels, unreachable } = channelsFor(recipient, { channels: timing.order ?? channelOrderFor(type, settings), inAppCopy: settings.inAppCopy });
    const put = (channel: NotificationChannel, row: Pick<PlannedNotification, 'status' | 'reason'>) => {
      const built = build(channel);
      if (this.rows.has(built.dedupKey)) return;
      this.rows.set(built.dedupKey, { ...built, recipientId: recipient.id, channel, dueAt, ...row });
    };
    for (const channel of channels) put(channel, { status, reason });
    // Nobody to send to on any channel of the type's order: one row on its first channel records
    // the gap, never sent. (When a later channel reaches them, the earlier ones get no row.)
    if (unreachable) put(unreachable, { status: NotificationStatus.skipped, reason: reason ?? NotificationReason.no_address });
  }
}

/** The rows of one booking's plan. */
class BookingRows extends RowCollector {
  constructor(private readonly input: BookingPlanInput) {
    super(input);
  }

  bookingRow(
    recipient: PlanParty,
    type: NotificationType,
    offsetSeconds: number,
    dueAt: Date,
    options: { immediate?: boolean; payload?: NotificationPayload; order?: readonly ExternalChannel[] } = {},
  ): void {
    const { booking, trigger } = this.input;
    const payload: NotificationPayload = { startsAt: booking.startsAt.toISOString(), endsAt: booking.endsAt.toISOString(), ...options.payload };
    this.add(recipient, type, dueAt, { immediate: options.immediate ?? false, order: options.order }, (channel) => ({
      dedupKey: bookingDedupKey({ bookingId: booking.id, type, offsetSeconds, channel, recipientId: recipient.id, bookingVersion: trigger.bookingVersion }),
      bookingId: booking.id,
      type,
      offsetSeconds,
      bookingVersion: trigger.bookingVersion,
      payload,
    }));
  }

  agendaRow(provider: PlanParty, agendaDate: string, dueAt: Date): void {
    this.add(provider, NotificationType.provider_daily_agenda, dueAt, { immediate: false }, (channel) => ({
      dedupKey: agendaDedupKey(provider.id, agendaDate, channel),
      bookingId: null,
      type: NotificationType.provider_daily_agenda,
      offsetSeconds: 0,
      bookingVersion: null,
      payload: { agendaDate },
    }));
  }
}
