/**
 * Time zone helpers for hot paths: a zone's validity and the formatters that read local dates
 * are costly to work out and cheap to reuse, so each is computed once per zone.
 */

const validity = new Map<string, boolean>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** `zone` when it is an IANA time zone this runtime knows, else UTC. */
export function zoneOrUtc(zone: string): string {
  let valid = validity.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    validity.set(zone, valid);
  }
  return valid ? zone : 'UTC';
}

/** The calendar date (YYYY-MM-DD) an instant falls on in `zone` (UTC for an unknown zone). */
export function localDateIn(instant: Date, zone: string): string {
  const timeZone = zoneOrUtc(zone);
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', numberingSystem: 'latn' });
    dateFormats.set(timeZone, format);
  }
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of format.formatToParts(instant)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}
