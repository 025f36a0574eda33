import { AlertNoticeKind, CAMPAIGN_TYPES, CampaignKind, NotificationChannel, NotificationType } from '../../notifications/notification.entity';
import { fill, Texts, TEXTS } from '../../notifications/rendering/texts';
import { Locale } from '../../users/user.entity';
import { TemplateSource } from '../engine/template-engine';
import { TemplateFormat } from '../engine/template-format';
import { CARD_WORDS, CardWords, UZ_SUBJECTS } from './card-words';

/** A template Herald ships for one type, channel and language, used until someone writes their own. */
export interface DefaultTemplate extends TemplateSource {
  type: NotificationType;
  channel: NotificationChannel;
  locale: Locale;
}

const AGENDA = NotificationType.provider_daily_agenda;
const STAFF_ALERT = NotificationType.staff_alert;
type CampaignType = NotificationType.area_demand | NotificationType.area_promotion;
const isCampaign = (type: NotificationType): type is CampaignType => CAMPAIGN_TYPES.includes(type);

/** The Liquid for each `{name}` placeholder of the built-in texts. */
function placeholders(type: NotificationType): Record<string, string> {
  return {
    service: '{{ booking.service }}',
    date: type === AGENDA ? '{{ agenda.date | date }}' : isCampaign(type) ? '{{ campaign.date | date }}' : '{{ booking.startsAt | date }}',
    time: '{{ booking.startsAt | time }}',
    left: '{{ left | duration }}',
    count: '{{ agenda.count }}',
    severity: '{{ alert.severity | upcase }}',
    title: '{{ alert.title }}',
    postalCode: '{{ campaign.postalCode }}',
    bookings: '{{ campaign.bookings }}',
    providers: '{{ campaign.providers }}',
    percent: '{{ campaign.percent }}',
  };
}

/** A campaign message's words: its campaign's sentence. */
function campaignSentence(type: CampaignType, sentences: Texts['campaign']): string {
  const values = placeholders(type);
  const [first, ...others] = Object.values(CampaignKind);
  const branches = others.map((kind) => `{% when "${kind}" %}${fill(sentences[kind], values)}`).join('');
  return `{% case campaign.kind %}${branches}{% else %}${fill(sentences[first], values)}{% endcase %}`;
}

/** A staff notice's headline: the words of the reason it goes. */
function alertHeadline(headlines: Record<AlertNoticeKind, string>): string {
  const title = { title: '{{ alert.title }}' };
  const others = Object.values(AlertNoticeKind)
    .filter((kind) => kind !== AlertNoticeKind.raised)
    .map((kind) => `{% when "${kind}" %}${fill(headlines[kind], title)}`)
    .join('');
  return `{% case alert.kind %}${others}{% else %}${fill(headlines.raised, title)}{% endcase %}`;
}

/** A staff notice's details: what the alert says, how severe, since when, how often seen. */
function alertDetails({ alert }: Texts, emoji: boolean): string {
  const mark = (symbol: string) => (emoji ? `${symbol} ` : '');
  return [
    '{{ alert.description }}',
    `${mark('⚠️')}${alert.severity}: {{ alert.severity }}\n${mark('🕐')}${alert.since}: {{ alert.firstSeenAt | datetime }}\n${mark('🔁')}${alert.seen}: {{ alert.occurrences }}`,
  ].join('\n\n');
}

/** `{% if condition %}` + a line of its own + `{% endif %}`, written after the line before it. */
const lineIf = (condition: string, line: string): string => `{% if ${condition} %}\n${line}{% endif %}`;

/** Who the booking is with, from where the recipient stands. */
const counterpart = (customerLine: string, providerLine: string): string =>
  `{% if recipient.role == "provider" %}${customerLine}{% else %}${providerLine}{% endif %}`;

/** One line per agenda entry, or `empty` when the day has none. */
const eachEntry = (line: string, empty: string): string =>
  `{% for entry in agenda.bookings %}{% unless forloop.first %}\n{% endunless %}${line}{% else %}${empty}{% endfor %}`;

const timeSpan =
  '{{ booking.startsAt | time }}{% if booking.endsSameDay %}–{{ booking.endsAt | time }}{% else %} – {{ booking.endsAt | datetime }}{% endif %}';

// ---------------------------------------------------------------------------------------------
// Messages in the built-in texts' words: what DefaultMessageRenderer has always written.

function textMessage(type: NotificationType, texts: Texts): TemplateSource {
  const values = placeholders(type);
  const headline = fill(texts.headline[type], values);
  if (type === STAFF_ALERT) return { subject: fill(texts.subject[type], values), body: `${alertHeadline(texts.alert.headline)}\n\n${alertDetails(texts, false)}`, format: TemplateFormat.plain };
  if (isCampaign(type)) return { subject: fill(texts.subject[type], values), body: `${headline}\n\n${campaignSentence(type, texts.campaign)}`, format: TemplateFormat.plain };
  const body =
    type === AGENDA
      ? [
          headline,
          '',
          eachEntry(
            '{{ entry.startsAt | time }}–{{ entry.endsAt | time }}  {{ entry.service }} — {{ entry.customer.name }}{% if entry.address %}, {{ entry.address }}{% endif %}',
            texts.agendaEmpty,
          ),
        ].join('\n')
      : textDetails(type, texts, headline);
  return { subject: fill(texts.subject[type], values), body, format: TemplateFormat.plain };
}

function textDetails(type: NotificationType, { label, zoneNote }: Texts, headline: string): string {
  const when = `${label.when}: {{ booking.startsAt | date }}, ${timeSpan}{% if booking.inOtherZone %} ${fill(zoneNote, { zone: '{{ booking.timezone }}' })}{% endif %}`;
  return [
    headline,
    '',
    `${label.service}: {{ booking.service }}`,
    counterpart(`${label.customer}: {{ booking.customer.name }}`, `${label.provider}: {{ booking.provider.name }}`),
    when +
      (type === NotificationType.booking_rescheduled ? lineIf('booking.previousStartsAt', `${label.was}: {{ booking.previousStartsAt | datetime }}`) : '') +
      lineIf('booking.address', `${label.address}: {{ booking.address }}`) +
      (type === NotificationType.booking_cancelled ? lineIf('booking.cancellationReason', `${label.reason}: {{ booking.cancellationReason }}`) : ''),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Cards: a headline, emoji detail lines and a closing line (bold headline in Telegram HTML).

/** The detail lines each type's card shows, in order; the first is one that is never empty. */
type CardLine = 'was' | 'date' | 'time' | 'counterpart' | 'service' | 'address' | 'left' | 'reason';

const CARD_LINES: Record<Exclude<NotificationType, typeof AGENDA | typeof STAFF_ALERT | CampaignType>, readonly CardLine[]> = {
  [NotificationType.booking_confirmation]: ['date', 'time', 'counterpart', 'service', 'address'],
  [NotificationType.provider_new_booking]: ['date', 'time', 'counterpart', 'service', 'address'],
  [NotificationType.booking_reminder]: ['date', 'time', 'counterpart', 'service', 'address', 'left'],
  [NotificationType.booking_starting]: ['time', 'counterpart', 'service', 'address'],
  [NotificationType.booking_ending_soon]: ['time', 'service', 'left'],
  [NotificationType.provider_next_booking]: ['date', 'time', 'counterpart', 'service', 'address'],
  [NotificationType.booking_rescheduled]: ['date', 'time', 'was', 'counterpart', 'service', 'address'],
  [NotificationType.booking_cancelled]: ['date', 'time', 'counterpart', 'service', 'reason'],
  [NotificationType.provider_completion_reminder]: ['date', 'time', 'counterpart', 'service', 'address'],
};

/** A card line, and the condition it is shown on when it may be empty. */
function cardLine(line: CardLine, { label }: CardWords): { text: string; shownIf?: string } {
  switch (line) {
    case 'was':
      return { text: `🕑 ${label.was}: {{ booking.previousStartsAt | datetime }}`, shownIf: 'booking.previousStartsAt' };
    case 'date':
      return { text: `📅 ${label.date}: {{ booking.startsAt | date }}` };
    case 'time':
      return { text: `🕐 ${label.time}: ${timeSpan}{% if booking.inOtherZone %} ({{ booking.timezone }}){% endif %}` };
    case 'counterpart':
      return { text: `👤 ${counterpart(`${label.customer}: {{ booking.customer.name }}`, `${label.provider}: {{ booking.provider.name }}`)}` };
    case 'service':
      return { text: `📝 ${label.service}: {{ booking.service }}` };
    case 'address':
      return { text: `📍 ${label.address}: {{ booking.address }}`, shownIf: 'booking.address' };
    case 'left':
      return { text: `⏳ ${label.left}: {{ left | duration }}` };
    case 'reason':
      return { text: `💬 ${label.reason}: {{ booking.cancellationReason }}`, shownIf: 'booking.cancellationReason' };
  }
}

function cardBody(type: NotificationType, locale: Locale, format: TemplateFormat.plain | TemplateFormat.telegram_html): string {
  const words = CARD_WORDS[locale];
  const bold = (text: string) => (format === TemplateFormat.telegram_html ? `<b>${text}</b>` : text);
  const headline = bold(words.headline[type]);
  if (type === STAFF_ALERT) return [`${headline}: ${bold(alertHeadline(TEXTS[locale].alert.headline))}`, alertDetails(TEXTS[locale], true)].join('\n\n');
  if (isCampaign(type)) return [headline, campaignSentence(type, TEXTS[locale].campaign)].join('\n\n');
  const closing = words.closing[type];
  const details =
    type === AGENDA
      ? [
          `👤 ${words.label.provider}: {{ recipient.name }}\n📅 ${words.label.date}: {{ agenda.date | date }}`,
          eachEntry('{% if entry.status == "pending" %}⏳{% else %}✅{% endif %} {{ entry.startsAt | time }} - {{ entry.customer.name }} ({{ entry.service }})', words.agendaEmpty),
        ]
      : [
          CARD_LINES[type]
            .map((line) => cardLine(line, words))
            // The first line (a date or time) is always there; the others start their own line.
            .map(({ text, shownIf }, index) => (shownIf ? lineIf(shownIf, text) : `${index === 0 ? '' : '\n'}${text}`))
            .join(''),
        ];
  return [headline, ...details, ...(closing ? [closing] : [])].join('\n\n');
}

// ---------------------------------------------------------------------------------------------

function defaultsFor(type: NotificationType, locale: Locale): Record<NotificationChannel, TemplateSource> {
  const subject = fill(locale === Locale.uz ? UZ_SUBJECTS[type] : TEXTS[locale].subject[type], placeholders(type));
  const telegram: TemplateSource = { subject, body: cardBody(type, locale, TemplateFormat.telegram_html), format: TemplateFormat.telegram_html };
  if (locale !== Locale.uz) {
    // One message for every other channel: the built-in texts, word for word.
    const message = textMessage(type, TEXTS[locale]);
    return { [NotificationChannel.telegram]: telegram, [NotificationChannel.in_app]: message, [NotificationChannel.email]: message, [NotificationChannel.sms]: message };
  }
  const card: TemplateSource = { subject, body: cardBody(type, Locale.uz, TemplateFormat.plain), format: TemplateFormat.plain };
  // An SMS says the subject line and no more.
  const sms: TemplateSource = { subject, body: subject, format: TemplateFormat.plain };
  return { [NotificationChannel.telegram]: telegram, [NotificationChannel.in_app]: card, [NotificationChannel.email]: card, [NotificationChannel.sms]: sms };
}

/** Every type × channel × language Herald ships. */
export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = Object.values(NotificationType).flatMap((type) =>
  Object.values(Locale).flatMap((locale) => {
    const byChannel = defaultsFor(type, locale);
    return Object.values(NotificationChannel).map((channel) => ({ type, channel, locale, ...byChannel[channel] }));
  }),
);

const BY_KEY = new Map(DEFAULT_TEMPLATES.map((template) => [`${template.type}|${template.channel}|${template.locale}`, template]));

export function defaultTemplate(type: NotificationType, channel: NotificationChannel, locale: Locale): DefaultTemplate | undefined {
  return BY_KEY.get(`${type}|${channel}|${locale}`);
}
