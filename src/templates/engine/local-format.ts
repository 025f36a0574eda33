/**
 * What the template filters write: dates, times, amounts and distances in time in a locale and
 * zone. Intl formatters are costly to build and cheap to reuse, so each is built once per locale
 * and zone (or currency).
 */

import { wallClock } from '../../core/time/wall-clock';

/** "Friday, 10 January 2031". */
export function formatDate(instant: Date, locale: string, zone: string): string {
  return wallClock(instant, locale, zone).date;
}

/** "14:00". */
export function formatTime(instant: Date, locale: string, zone: string): string {
  return wallClock(instant, locale, zone).time;
}

/** "Friday, 10 January 2031, 14:00". */
export function formatDateTime(instant: Date, locale: string, zone: string): string {
  const parts = wallClock(instant, locale, zone);
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
