import PostalMime from 'postal-mime';
import type { ReceivedMail } from './support/smtp-peer';

/** Shared by the email channel specs: reading what the SMTP peer received. */

export type ParsedMail = Awaited<ReturnType<typeof PostalMime.parse>>;

export function parseMail(mail: ReceivedMail): Promise<ParsedMail> {
  return PostalMime.parse(mail.raw);
}

/**
 * The message's one text/calendar part: its text byte for byte, decoded from the raw message
 * (postal-mime turns a calendar's CRLF into LF, which would hide a wrong line ending), with
 * the filename and method postal-mime read.
 */
export function calendarOf(mail: ReceivedMail, parsed: ParsedMail): { text: string; filename: string | null; method: string | undefined } {
  const calendars = parsed.attachments.filter((attachment) => attachment.mimeType === 'text/calendar');
  if (calendars.length !== 1) throw new Error(`expected one text/calendar part, found ${calendars.length}`);
  const part = /\r\nContent-Type: text\/calendar([^]*?)\r\n\r\n([^]*?)\r\n--/i.exec(mail.raw.toString('latin1'));
  if (!part) throw new Error('no text/calendar part in the raw message');
  const encoding = /\r\nContent-Transfer-Encoding:\s*([\w-]+)/i.exec(part[1])?.[1].toLowerCase() ?? '7bit';
  if (encoding !== 'base64') throw new Error(`calendar part is ${encoding}, expected base64 (keeps CRLF intact)`);
  const text = Buffer.from(part[2], 'base64').toString('utf8');
  return { text, filename: calendars[0].filename, method: calendars[0].method };
}

/** The value of a header (first occurrence), lower-cased name. */
export function headerOf(parsed: ParsedMail, name: string): string | undefined {
  return parsed.headers.find((header) => header.key === name.toLowerCase())?.value;
}

export interface ParsedCalendar {
  /** Every content line, unfolded. */
  lines: string[];
  /** The VEVENT's properties by name (parameters dropped), values as written. */
  event: Record<string, string>;
  method: string | undefined;
}

/**
 * A strict-enough reader of the .ics Herald writes: every line ends in CRLF and has at most 75
 * octets; folded lines are joined; one VEVENT inside one VCALENDAR.
 */
export function parseIcs(ics: string): ParsedCalendar {
  if (!ics.endsWith('\r\n')) throw new Error('iCalendar must end with CRLF');
  if (/[^\r]\n|\r[^\n]/.test(ics)) throw new Error('iCalendar has a bare LF or CR');
  const physical = ics.slice(0, -2).split('\r\n');
  for (const line of physical) if (Buffer.byteLength(line, 'utf8') > 75) throw new Error(`line longer than 75 octets: ${line}`);
  const lines = ics.slice(0, -2).replace(/\r\n[ \t]/g, '').split('\r\n');
  if (lines[0] !== 'BEGIN:VCALENDAR' || lines[lines.length - 1] !== 'END:VCALENDAR') throw new Error('not a VCALENDAR');
  const begin = lines.indexOf('BEGIN:VEVENT');
  const end = lines.indexOf('END:VEVENT');
  if (begin < 0 || end < begin || lines.lastIndexOf('BEGIN:VEVENT') !== begin) throw new Error('expected exactly one VEVENT');
  const event: Record<string, string> = {};
  for (const line of lines.slice(begin + 1, end)) {
    const colon = line.indexOf(':');
    event[line.slice(0, colon).split(';')[0]] = line.slice(colon + 1);
  }
  const method = lines.find((line) => line.startsWith('METHOD:'))?.slice('METHOD:'.length);
  return { lines, event, method };
}

/** 2031-01-10T09:00:00.000Z as iCalendar UTC: 20310110T090000Z. */
export const icsUtc = (iso: string | Date) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
