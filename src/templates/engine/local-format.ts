/**
 * What the template filters write: dates, times, amounts and distances in time in a locale and
 * zone. Intl formatters are costly to build and cheap to reuse, so each is built once per locale
 * and zone (or currency); a booking's messages format the same instants, so their pieces are kept.
 */

/** An instant's wall-clock pieces in a zone and locale. */
interface LocalParts {
  /** "Friday, 10 January 2031". */
  date: string;
  /** 24-hour "HH:mm", latin digits. */
  time: string;
}

/** One locale and zone: its formatter, and the instants it wrote lately (at most RECENT_LIMIT). */
class ZoneFormatter {
  private static readonly RECENT_LIMIT = 10_000;
  private readonly format: Intl.DateTimeFormat;
  private readonly recent = new Map<number, LocalParts>();

  constructor(locale: string, zone: string) {
    this.format = new Intl.DateTimeFormat(locale, {
      timeZone: zone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      numberingSystem: 'latn',
    });
  }

  parts(instant: Date): LocalParts {
    const ms = instant.getTime();
    let parts = this.recent.get(ms);
    if (!parts) {
      const piece: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
      for (const part of this.format.formatToParts(instant)) piece[part.type] = part.value;
      // Built from pieces, not Intl's own pattern, so every locale reads "weekday, day month year".
      parts = { date: `${piece.weekday}, ${piece.day} ${piece.month} ${piece.year}`, time: `${piece.hour!.padStart(2, '0')}:${piece.minute}` };
      if (this.recent.size >= ZoneFormatter.RECENT_LIMIT) this.recent.clear();
      this.recent.set(ms, parts);
    }
    return parts;
  }
}

const zoneFormatters = new Map<string, ZoneFormatter>();

function localParts(instant: Date, locale: string, zone: string): LocalParts {
  const key = `${locale}|${zone}`;
  let formatter = zoneFormatters.get(key);
  if (!formatter) {
    formatter = new ZoneFormatter(locale, zone);
    zoneFormatters.set(key, formatter);
  }
  return formatter.parts(instant);
}

/** "Friday, 10 January 2031". */
export function formatDate(instant: Date, locale: string, zone: string): string {
  return localParts(instant, locale, zone).date;
}

/** "14:00". */
export function formatTime(instant: Date, locale: string, zone: string): string {
  return localParts(instant, locale, zone).time;
}

/** "Friday, 10 January 2031, 14:00". */
export function formatDateTime(instant: Date, locale: string, zone: string): string {
  const parts = localParts(instant, locale, zone);
  return `${parts.date}, ${parts.time}`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** An amount in major units as the locale writes it in `currency` (ISO 4217): "150 000,00 soʻm". */
export function formatMoney(amount: number, locale: string, currency: string): string {
  const key = `${locale}|${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency, numberingSystem: 'latn' });
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

/** How far `instant` is from `now`: "in 3 hours", "через 45 минут", "2 days ago"; minutes under an hour, hours under two days, days beyond. */
export function formatRelative(instant: Date, now: Date, locale: string): string {
  const ms = instant.getTime() - now.getTime();
  const distance = Math.abs(ms);
  const [size, unit]: [number, Intl.RelativeTimeFormatUnit] = distance < HOUR ? [MINUTE, 'minute'] : distance < 2 * DAY ? [HOUR, 'hour'] : [DAY, 'day'];
  let format = relativeFormats.get(locale);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
    relativeFormats.set(locale, format);
  }
  // `+ 0` makes -0 (a moment past, rounded) a plain 0, which Intl writes as "in 0 minutes", not "0 minutes ago".
  return format.format(Math.round(ms / size) + 0, unit);
}
