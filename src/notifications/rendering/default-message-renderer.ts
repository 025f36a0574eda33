import { Injectable } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { WallClock, wallClock } from '../../core/time/wall-clock';
import { zoneOrUtc } from '../../core/time/zones';
import { CAMPAIGN_TYPES, NotificationType } from '../notification.entity';
import { MessageRenderer, RenderContext, RenderedMessage } from './message-renderer';
import { fill, Texts, textsFor } from './texts';

const MINUTE = 60_000;

/** Types whose headline says how long is left until the booking starts. */
const UNTIL_START: readonly NotificationType[] = [NotificationType.booking_reminder, NotificationType.provider_next_booking];

/**
 * Herald's built-in texts: every NotificationType in the recipient's locale (uz, ru, en; English
 * otherwise), dates and times in the booking's time zone (the agenda: the provider's), and a
 * note naming that zone when it is not the recipient's own.
 */
@Injectable()
export class DefaultMessageRenderer extends MessageRenderer {
  constructor(private readonly clock: Clock) {
    super();
  }

  async render(context: RenderContext): Promise<RenderedMessage> {
    const { locale, texts } = textsFor(context.recipient.locale);
    const type = context.notification.type;
    const lines =
      type === NotificationType.provider_daily_agenda
        ? this.agenda(context, locale, texts)
        : type === NotificationType.staff_alert
          ? this.aboutAlert(context, locale, texts)
          : CAMPAIGN_TYPES.includes(type)
            ? this.aboutCampaign(context, locale, texts)
            : this.aboutBooking(context, locale, texts);
    const text = lines.body.join('\n');
    return { subject: lines.subject, text, html: toHtml(text) };
  }

  private aboutBooking({ notification, recipient, booking }: RenderContext, locale: string, texts: Texts): { subject: string; body: string[] } {
    if (!booking) throw new Error(`notification ${notification.id} (${notification.type}) has no booking to render`);
    const zone = zoneOrUtc(booking.timezone);
    const start = wallClock(booking.startsAt, locale, zone);
    const end = wallClock(booking.endsAt, locale, zone);
    const now = this.clock.now().getTime();
    const leftMs = notification.type === NotificationType.booking_ending_soon ? booking.endsAt.getTime() - now : booking.startsAt.getTime() - now;
    const values = {
      service: booking.serviceName,
      date: start.date,
      time: start.time,
      left: UNTIL_START.includes(notification.type) || notification.type === NotificationType.booking_ending_soon ? formatLeft(leftMs, locale) : '',
    };
    const zoneNote = zone === recipient.timezone ? '' : ` ${fill(texts.zoneNote, { zone })}`;
    const forProvider = recipient.id === booking.provider.id;
    const body = [
      fill(texts.headline[notification.type], values),
      '',
      `${texts.label.service}: ${booking.serviceName}`,
      forProvider ? `${texts.label.customer}: ${booking.customer.name}` : `${texts.label.provider}: ${booking.provider.name}`,
      `${texts.label.when}: ${span(start, end)}${zoneNote}`,
    ];
    const previous = notification.payload.previousStartsAt;
    if (notification.type === NotificationType.booking_rescheduled && previous) {
      const wasAt = new Date(previous);
      if (!Number.isNaN(wasAt.getTime())) {
        const was = wallClock(wasAt, locale, zone);
        body.push(`${texts.label.was}: ${was.date}, ${was.time}`);
      }
    }
    if (booking.address) body.push(`${texts.label.address}: ${booking.address}`);
    const reason = notification.payload.cancellationReason ?? booking.cancellationReason;
    if (notification.type === NotificationType.booking_cancelled && reason) body.push(`${texts.label.reason}: ${reason}`);
    return { subject: fill(texts.subject[notification.type], values), body };
  }

  private aboutAlert({ notification, recipient }: RenderContext, locale: string, texts: Texts): { subject: string; body: string[] } {
    const alert = notification.payload.alert;
    if (!alert) throw new Error(`notification ${notification.id} (staff_alert) has no alert to render`);
    const since = wallClock(new Date(alert.firstSeenAt), locale, zoneOrUtc(recipient.timezone));
    return {
      subject: fill(texts.subject.staff_alert, { severity: alert.severity.toUpperCase(), title: alert.title }),
      body: [
        fill(texts.alert.headline[alert.kind], { title: alert.title }),
        '',
        alert.description,
        '',
        `${texts.alert.severity}: ${alert.severity}`,
        `${texts.alert.since}: ${since.date}, ${since.time}`,
        `${texts.alert.seen}: ${alert.occurrences}`,
      ],
    };
  }

  private aboutCampaign({ notification }: RenderContext, locale: string, texts: Texts): { subject: string; body: string[] } {
    const campaign = notification.payload.campaign;
    if (!campaign) throw new Error(`notification ${notification.id} (${notification.type}) has no campaign to render`);
    const values = {
      postalCode: campaign.postalCode,
      date: localDay(campaign.date, locale),
      bookings: campaign.bookings,
      providers: campaign.providers,
      percent: campaign.percent ?? '',
    };
    return {
      subject: fill(texts.subject[notification.type], values),
      body: [fill(texts.headline[notification.type], values), '', fill(texts.campaign[campaign.kind], values)],
    };
  }

  private agenda({ notification, recipient, agenda = [] }: RenderContext, locale: string, texts: Texts): { subject: string; body: string[] } {
    const zone = zoneOrUtc(recipient.timezone);
    const date = notification.payload.agendaDate ? localDay(notification.payload.agendaDate, locale) : wallClock(notification.dueAt, locale, zone).date;
    const values = { date, count: agenda.length };
    const lines = agenda.map((booking) => {
      const start = wallClock(booking.startsAt, locale, zone);
      const end = wallClock(booking.endsAt, locale, zone);
      const where = booking.address ? `, ${booking.address}` : '';
      return `${start.time}–${end.time}  ${booking.serviceName} — ${booking.customer.name}${where}`;
    });
    return {
      subject: fill(texts.subject[notification.type], values),
      body: [fill(texts.headline[notification.type], values), '', ...(lines.length ? lines : [texts.agendaEmpty])],
    };
  }
}

/** A local calendar date (YYYY-MM-DD) written out; it names the same day anywhere, so it is read at its UTC noon. */
function localDay(date: string, locale: string): string {
  return wallClock(new Date(`${date}T12:00:00Z`), locale, 'UTC').date;
}

/** "Friday, 10 January 2031, 14:00–14:45", or both dates when it ends on another day. */
function span(start: WallClock, end: WallClock): string {
  if (start.date === end.date) return `${start.date}, ${start.time}–${end.time}`;
  return `${start.date}, ${start.time} – ${end.date}, ${end.time}`;
}

/** "3 hours", "45 минут", "1 soat": whole hours from an hour on, minutes below. */
export function formatLeft(ms: number, locale: string): string {
  const minutes = Math.max(1, Math.round(ms / MINUTE));
  const [value, unit] = minutes < 60 ? [minutes, 'minute'] : [Math.round(minutes / 60), 'hour'];
  const key = `${locale}|${unit}`;
  let format = unitFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' });
    unitFormats.set(key, format);
  }
  return format.format(value);
}

const unitFormats = new Map<string, Intl.NumberFormat>();

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The text as simple HTML: paragraphs at blank lines, line breaks kept, everything escaped. */
export function toHtml(text: string): string {
  return text
    .split('\n\n')
    .map((paragraph) => `<p>${paragraph.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}
