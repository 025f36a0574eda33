import { BookingStatus } from '../../bookings/booking.entity';
import { localDateIn, zoneOrUtc } from '../../core/time/zones';
import { AlertNotice, AlertNoticeKind, CAMPAIGN_TYPES, CampaignKind, CampaignMessage, NotificationType } from '../../notifications/notification.entity';
import { RenderBooking, RenderContext } from '../../notifications/rendering/message-renderer';
import { textsFor } from '../../notifications/rendering/texts';
import { Locale } from '../../users/user.entity';
import { formatDate } from './local-format';

export interface PartyVariables {
  name: string;
}

export interface RecipientVariables {
  name: string;
  locale: string;
  timezone: string;
  /** "provider" when the recipient is the booking's provider (always, for the agenda), "staff" for staff notices, else "customer". */
  role: 'customer' | 'provider' | 'staff';
}

export interface BookingVariables {
  service: string;
  startsAt: Date;
  endsAt: Date;
  /** The zone its times are shown in: the booking's (UTC when that is unknown); an agenda's bookings show in the provider's. */
  timezone: string;
  address: string | null;
  status: BookingStatus;
  customer: PartyVariables;
  provider: PartyVariables;
  /** Whether it ends on the local day it starts. */
  endsSameDay: boolean;
  /** Whether `timezone` is not the recipient's own, so a message should name it. */
  inOtherZone: boolean;
  /** Why it was cancelled, when it was. */
  cancellationReason: string | null;
  /** Where a rescheduled booking started before. */
  previousStartsAt: Date | null;
}

export interface AgendaVariables {
  /** The provider's local day, YYYY-MM-DD; `| date` writes it out. */
  date: string;
  count: number;
  bookings: BookingVariables[];
}

export interface AlertVariables {
  id: string;
  /** Why this notice goes: raised, escalated, repeated or resolved. */
  kind: string;
  type: string;
  severity: string;
  title: string;
  description: string;
  occurrences: number;
  firstSeenAt: Date;
}

export interface CampaignVariables {
  /** high_demand, provider_bonus or low_activity. */
  kind: string;
  postalCode: string;
  /** The local day (YYYY-MM-DD) whose figures matched; `| date` writes it out. */
  date: string;
  bookings: number;
  providers: number;
  /** The bonus or discount in percent; null when the campaign offers none. */
  percent: number | null;
}

export interface NotificationVariables {
  type: NotificationType;
  dueAt: Date;
}

/** What a template sees: the names TEMPLATE_VARIABLES documents. Null values print as nothing. */
export interface TemplateScope {
  recipient: RecipientVariables;
  notification: NotificationVariables;
  now: Date;
  /** Every type but the agenda. */
  booking?: BookingVariables;
  /** Milliseconds until the booking starts (booking_ending_soon: until it ends); every type but the agenda. */
  left?: number;
  /** The agenda only. */
  agenda?: AgendaVariables;
  /** Staff notices only. */
  alert?: AlertVariables;
  /** Campaign messages only. */
  campaign?: CampaignVariables;
}

/** A render's input: what the template sees, and the locale and zone its filters write in. */
export interface TemplateVariables {
  readonly scope: TemplateScope;
  /** The recipient's locale, English when Herald has no texts for it. */
  readonly locale: Locale;
  /** Where dates and times are shown unless a filter names a zone: the booking's zone, the agenda's provider's. */
  readonly zone: string;
}

/** Types whose `left` counts down to the booking's end, not its start. */
const UNTIL_END: readonly NotificationType[] = [NotificationType.booking_ending_soon, NotificationType.provider_completion_reminder];

/** The variables of a notification about to be rendered at `now`. */
export function templateVariables(context: RenderContext, now: Date): TemplateVariables {
  const { notification, recipient, booking, agenda = [] } = context;
  const locale = textsFor(recipient.locale).locale;
  const common = {
    notification: { type: notification.type, dueAt: notification.dueAt },
    now,
  };
  if (notification.type === NotificationType.provider_daily_agenda) {
    const zone = zoneOrUtc(recipient.timezone);
    return {
      locale,
      zone,
      scope: {
        ...common,
        recipient: { name: recipient.name, locale: recipient.locale, timezone: recipient.timezone, role: 'provider' },
        agenda: {
          date: notification.payload.agendaDate ?? localDateIn(notification.dueAt, zone),
          count: agenda.length,
          bookings: agenda.map((entry) => bookingVariables(entry, locale, zone, recipient.timezone)),
        },
      },
    };
  }
  const alert = notification.payload.alert;
  if (notification.type === NotificationType.staff_alert && alert) {
    return {
      locale,
      zone: zoneOrUtc(recipient.timezone),
      scope: {
        ...common,
        recipient: { name: recipient.name, locale: recipient.locale, timezone: recipient.timezone, role: 'staff' },
        alert: {
          id: alert.alertId,
          kind: alert.kind,
          type: alert.alertType,
          severity: alert.severity,
          title: alert.title,
          description: alert.description,
          occurrences: alert.occurrences,
          firstSeenAt: new Date(alert.firstSeenAt),
        },
      },
    };
  }
  const campaign = notification.payload.campaign;
  if (CAMPAIGN_TYPES.includes(notification.type) && campaign) {
    const { kind, postalCode, date, bookings, providers, percent } = campaign;
    return {
      locale,
      zone: zoneOrUtc(recipient.timezone),
      scope: {
        ...common,
        recipient: { name: recipient.name, locale: recipient.locale, timezone: recipient.timezone, role: notification.type === NotificationType.area_demand ? 'provider' : 'customer' },
        campaign: { kind, postalCode, date, bookings, providers, percent },
      },
    };
  }
  if (!booking) throw new Error(`notification ${notification.id} (${notification.type}) has no booking to render`);
  const zone = zoneOrUtc(booking.timezone);
  const previous = notification.payload.previousStartsAt ? new Date(notification.payload.previousStartsAt) : null;
  const until = UNTIL_END.includes(notification.type) ? booking.endsAt : booking.startsAt;
  return {
    locale,
    zone,
    scope: {
      ...common,
      recipient: { name: recipient.name, locale: recipient.locale, timezone: recipient.timezone, role: recipient.id === booking.provider.id ? 'provider' : 'customer' },
      booking: {
        ...bookingVariables(booking, locale, zone, recipient.timezone),
        cancellationReason: notification.payload.cancellationReason ?? booking.cancellationReason,
        previousStartsAt: previous && !Number.isNaN(previous.getTime()) ? previous : null,
      },
      left: until.getTime() - now.getTime(),
    },
  };
}

function bookingVariables(booking: RenderBooking, locale: Locale, zone: string, recipientZone: string): BookingVariables {
  return {
    service: booking.serviceName,
    startsAt: booking.startsAt,
    endsAt: booking.endsAt,
    timezone: zone,
    address: booking.address,
    status: booking.status,
    customer: { name: booking.customer.name },
    provider: { name: booking.provider.name },
    // The template writes these dates anyway: asking for them now costs nothing later.
    endsSameDay: formatDate(booking.startsAt, locale, zone) === formatDate(booking.endsAt, locale, zone),
    inOtherZone: zone !== recipientZone,
    cancellationReason: booking.cancellationReason,
    previousStartsAt: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Documentation

export interface TemplateVariableDoc {
  name: string;
  type: string;
  description: string;
  example: string;
}

const COMMON_DOCS: readonly TemplateVariableDoc[] = [
  { name: 'recipient.name', type: 'string', description: 'Who the message goes to', example: 'Kamola Yusupova' },
  { name: 'recipient.locale', type: 'string', description: "The recipient's language: uz, ru or en", example: 'uz' },
  { name: 'recipient.timezone', type: 'string', description: "The recipient's IANA time zone", example: 'Asia/Tashkent' },
  {
    name: 'recipient.role',
    type: 'string',
    description: '"provider" when the recipient is the booking\'s provider, otherwise "customer"',
    example: 'customer',
  },
  { name: 'notification.type', type: 'string', description: 'What the message is about', example: 'booking_reminder' },
  { name: 'notification.dueAt', type: 'date', description: 'When the message was due to go out', example: '{{ notification.dueAt | datetime }}' },
  { name: 'now', type: 'date', description: 'The moment of rendering', example: '{{ now | time }}' },
];

/** A booking's fields, under `prefix` (`booking.` or an agenda entry's loop name). */
function bookingDocs(prefix: string): TemplateVariableDoc[] {
  return [
    { name: `${prefix}service`, type: 'string', description: 'The service booked', example: 'Haircut' },
    { name: `${prefix}startsAt`, type: 'date', description: 'When it starts; format it with date, time, datetime or relative', example: '{{ booking.startsAt | datetime }}' },
    { name: `${prefix}endsAt`, type: 'date', description: 'When it ends', example: '{{ booking.endsAt | time }}' },
    { name: `${prefix}timezone`, type: 'string', description: 'The IANA zone its times are shown in', example: 'Asia/Tashkent' },
    { name: `${prefix}address`, type: 'string | null', description: 'Where it takes place; null when unknown', example: '{% if booking.address %}{{ booking.address }}{% endif %}' },
    { name: `${prefix}status`, type: 'string', description: 'pending, confirmed, cancelled, completed or no_show', example: 'confirmed' },
    { name: `${prefix}customer.name`, type: 'string', description: 'The customer', example: 'Kamola Yusupova' },
    { name: `${prefix}provider.name`, type: 'string', description: 'The provider', example: 'Aziz Rahimov' },
    { name: `${prefix}endsSameDay`, type: 'boolean', description: 'Whether it ends on the local day it starts', example: '{% if booking.endsSameDay %}…{% endif %}' },
    {
      name: `${prefix}inOtherZone`,
      type: 'boolean',
      description: "Whether its times are shown in a zone other than the recipient's own (then name the zone)",
      example: '{% if booking.inOtherZone %}({{ booking.timezone }}){% endif %}',
    },
    { name: `${prefix}cancellationReason`, type: 'string | null', description: 'Why it was cancelled; null when it was not, or no reason was given', example: 'Provider is ill' },
    { name: `${prefix}previousStartsAt`, type: 'date | null', description: 'Rescheduled notices: when it started before the move; null otherwise', example: '{{ booking.previousStartsAt | datetime }}' },
  ];
}

const BOOKING_DOCS: readonly TemplateVariableDoc[] = bookingDocs('booking.');

const LEFT_UNTIL_START: TemplateVariableDoc = { name: 'left', type: 'number', description: 'Milliseconds until the booking starts', example: '{{ left | duration }}' };
const LEFT_UNTIL_END: TemplateVariableDoc = {
  name: 'left',
  type: 'number',
  description: 'Milliseconds until the booking ends (below zero once it has ended)',
  example: '{% if left < 0 %}overdue{% else %}{{ left | duration }}{% endif %}',
};

const CAMPAIGN_DOCS: readonly TemplateVariableDoc[] = [
  { name: 'campaign.kind', type: 'string', description: 'Which campaign: high_demand, provider_bonus or low_activity', example: '{% if campaign.kind == "provider_bonus" %}…{% endif %}' },
  { name: 'campaign.postalCode', type: 'string', description: 'The area (postal code) the message is about', example: '100000' },
  { name: 'campaign.date', type: 'string', description: 'The local day whose figures matched, YYYY-MM-DD', example: '{{ campaign.date | date }}' },
  { name: 'campaign.bookings', type: 'number', description: "Bookings in the area that day", example: '9' },
  { name: 'campaign.providers', type: 'number', description: 'Providers serving the area', example: '2' },
  { name: 'campaign.percent', type: 'number | null', description: 'The bonus or discount in percent; null when the campaign offers none', example: '{{ campaign.percent }} %' },
];

const ALERT_DOCS: readonly TemplateVariableDoc[] = [
  { name: 'alert.kind', type: 'string', description: 'Why this notice goes: raised, escalated, repeated (still open) or resolved', example: 'raised' },
  { name: 'alert.type', type: 'string', description: 'What the alert is about', example: 'signature_pending' },
  { name: 'alert.severity', type: 'string', description: 'low, medium, high or critical', example: '{{ alert.severity | upcase }}' },
  { name: 'alert.title', type: 'string', description: 'One line saying what is wrong', example: 'Signature pending for 26 h' },
  { name: 'alert.description', type: 'string', description: 'The details', example: 'The signature requested for booking … is still missing.' },
  { name: 'alert.occurrences', type: 'number', description: 'How many scans found the condition', example: '3' },
  { name: 'alert.firstSeenAt', type: 'date', description: 'When it was first found', example: '{{ alert.firstSeenAt | datetime }}' },
  { name: 'alert.id', type: 'string', description: "The alert's id (for a link to the ops page)", example: '5f0c…' },
];

const AGENDA_DOCS: readonly TemplateVariableDoc[] = [
  { name: 'agenda.date', type: 'string', description: "The provider's local day, YYYY-MM-DD", example: '{{ agenda.date | date }}' },
  { name: 'agenda.count', type: 'number', description: "How many bookings the day has", example: '3' },
  { name: 'agenda.bookings', type: 'list', description: 'The day\'s bookings by start, each with the fields below, times in the provider\'s zone', example: '{% for entry in agenda.bookings %}{{ entry.startsAt | time }} {{ entry.customer.name }}{% endfor %}' },
  ...bookingDocs('agenda.bookings[].'),
];

function docsFor(type: NotificationType): readonly TemplateVariableDoc[] {
  if (type === NotificationType.provider_daily_agenda) return [...COMMON_DOCS, ...AGENDA_DOCS];
  if (type === NotificationType.staff_alert) return [...COMMON_DOCS, ...ALERT_DOCS];
  if (CAMPAIGN_TYPES.includes(type)) return [...COMMON_DOCS, ...CAMPAIGN_DOCS];
  return [...COMMON_DOCS, ...BOOKING_DOCS, UNTIL_END.includes(type) ? LEFT_UNTIL_END : LEFT_UNTIL_START];
}

/** Every variable a template of each type may use. */
export const TEMPLATE_VARIABLES: Record<NotificationType, readonly TemplateVariableDoc[]> = Object.fromEntries(
  Object.values(NotificationType).map((type) => [type, docsFor(type)]),
) as Record<NotificationType, readonly TemplateVariableDoc[]>;

// ---------------------------------------------------------------------------------------------
// Sample data

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SAMPLE_ZONE = 'Asia/Tashkent';

/** What a sample booking says, in each language. */
const SAMPLE_WORDS: Record<Locale, { services: [string, string, string]; address: string; reason: string }> = {
  en: { services: ['Haircut', 'Beard trim', 'Hair colouring'], address: 'Amir Temur Ave 15, Tashkent', reason: 'The provider is ill' },
  ru: { services: ['Стрижка', 'Стрижка бороды', 'Окрашивание'], address: 'пр. Амира Темура, 15, Ташкент', reason: 'Мастер заболел' },
  uz: { services: ['Soch olish', 'Soqol olish', "Soch bo'yash"], address: "Amir Temur shoh ko'chasi, 15, Toshkent", reason: 'Usta kasal' },
};

const SAMPLE_PROVIDER_TYPES: readonly NotificationType[] = [
  NotificationType.provider_new_booking,
  NotificationType.provider_next_booking,
  NotificationType.provider_daily_agenda,
  NotificationType.provider_completion_reminder,
];

const SAMPLE_ALERT: Record<Locale, { title: string; description: string }> = {
  en: { title: 'Signature pending for 26 h', description: 'The signature requested for the booking is still missing.' },
  ru: { title: 'Подпись ожидается 26 ч', description: 'Запрошенная по записи подпись всё ещё не получена.' },
  uz: { title: 'Imzo 26 soatdan beri kutilmoqda', description: "Bron uchun so'ralgan imzo hali qo'yilmagan." },
};

/**
 * A realistic notification of `type` at `now` for checking and previewing templates: a booking
 * three hours ahead (starting now, ending soon or moved from the day before, as the type says),
 * or a provider's day of three bookings, one without an address.
 */
export function sampleContext(type: NotificationType, locale: Locale, now: Date): RenderContext {
  const words = SAMPLE_WORDS[locale];
  const party = (id: string, name: string, role: string) => ({
    id,
    name,
    email: `${role}@example.test`,
    phone: '+998901234567',
    telegramChatId: null,
    telegramOffAt: null,
    smsOffAt: null,
    locale,
    timezone: SAMPLE_ZONE,
  });
  const customer = party('00000000-0000-4000-8000-000000000001', 'Kamola Yusupova', 'customer');
  const provider = party('00000000-0000-4000-8000-000000000002', 'Aziz Rahimov', 'provider');
  const startsAt = sampleStart(type, now);
  const cancelled = type === NotificationType.booking_cancelled;
  const booking = (index: number, start: Date, minutes: number): RenderBooking => ({
    id: `00000000-0000-4000-8000-00000000010${index}`,
    version: 1,
    serviceName: words.services[index],
    startsAt: start,
    endsAt: new Date(start.getTime() + minutes * MINUTE),
    timezone: SAMPLE_ZONE,
    address: index === 1 ? null : words.address,
    cancellationReason: cancelled ? words.reason : null,
    status: cancelled ? BookingStatus.cancelled : BookingStatus.confirmed,
    customer: index === 2 ? { id: '00000000-0000-4000-8000-000000000003', name: 'Bobur Aliyev' } : customer,
    provider,
  });
  const main = booking(0, startsAt, 45);
  const notification = { id: '00000000-0000-4000-8000-000000000200', type, dueAt: now, payload: {} };
  if (type === NotificationType.staff_alert) {
    const staff = party('00000000-0000-4000-8000-000000000004', 'Dilnoza Karimova', 'ops');
    const alert: AlertNotice = {
      alertId: '00000000-0000-4000-8000-000000000300',
      kind: AlertNoticeKind.raised,
      alertType: 'signature_pending',
      severity: 'high',
      ...SAMPLE_ALERT[locale],
      occurrences: 3,
      firstSeenAt: new Date(now.getTime() - 26 * HOUR).toISOString(),
    };
    return { notification: { ...notification, payload: { alert } }, recipient: staff, booking: null };
  }
  if (CAMPAIGN_TYPES.includes(type)) {
    const campaign: CampaignMessage = {
      runId: '00000000-0000-4000-8000-000000000400',
      campaignId: '00000000-0000-4000-8000-000000000401',
      kind: type === NotificationType.area_demand ? CampaignKind.provider_bonus : CampaignKind.low_activity,
      postalCode: '100000',
      date: localDateIn(new Date(now.getTime() - DAY), SAMPLE_ZONE),
      bookings: 9,
      providers: 2,
      percent: type === NotificationType.area_demand ? 15 : 25,
    };
    return { notification: { ...notification, payload: { campaign } }, recipient: type === NotificationType.area_demand ? provider : customer, booking: null };
  }
  if (type === NotificationType.provider_daily_agenda) {
    const agenda = [main, booking(1, new Date(startsAt.getTime() + HOUR), 30), booking(2, new Date(startsAt.getTime() + 2 * HOUR), 60)];
    return { notification: { ...notification, payload: { agendaDate: localDateIn(startsAt, SAMPLE_ZONE) } }, recipient: provider, booking: null, agenda };
  }
  const payload =
    type === NotificationType.booking_rescheduled
      ? { previousStartsAt: new Date(startsAt.getTime() - DAY).toISOString() }
      : cancelled
        ? { cancellationReason: words.reason }
        : {};
  return { notification: { ...notification, payload }, recipient: SAMPLE_PROVIDER_TYPES.includes(type) ? provider : customer, booking: main };
}

function sampleStart(type: NotificationType, now: Date): Date {
  if (type === NotificationType.booking_starting) return now;
  // Ends in a quarter of an hour.
  if (type === NotificationType.booking_ending_soon) return new Date(now.getTime() - 30 * MINUTE);
  // Ended an hour ago, not marked done yet.
  if (type === NotificationType.provider_completion_reminder) return new Date(now.getTime() - 105 * MINUTE);
  return new Date(Math.ceil((now.getTime() + 3 * HOUR) / QUARTER_HOUR) * QUARTER_HOUR);
}
