/**
 * An instant as a wall clock in a zone shows it, written in a locale. Intl formatters are costly
 * to build and cheap to reuse, so each is built once per locale and zone; a booking's messages
 * format the same instants, so recent ones are kept.
 */

/** An instant's wall-clock pieces in a zone and locale. */
export interface WallClock {
  /** "Friday, 10 January 2031". */
  date: string;
  /** 24-hour "HH:mm", latin digits. */
  time: string;
}

/** One locale and zone: its formatter, and the instants it wrote lately (at most RECENT_LIMIT). */
class ZoneFormatter {
  private static readonly RECENT_LIMIT = 10_000;
  private readonly format: Intl.DateTimeFormat;
  private readonly recent = new Map<number, WallClock>();

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

  parts(instant: Date): WallClock {
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

export function wallClock(instant: Date, locale: string, zone: string): WallClock {
  const key = `${locale}|${zone}`;
  let formatter = zoneFormatters.get(key);
  if (!formatter) {
    formatter = new ZoneFormatter(locale, zone);
    zoneFormatters.set(key, formatter);
  }
  return formatter.parts(instant);
}
