import { buildIcs, escapeText, foldLine, formatUtc } from './ics';

const event = {
  uid: 'b1@herald',
  sequence: 2,
  start: new Date('2031-01-10T09:00:00Z'),
  end: new Date('2031-01-10T09:45:00Z'),
  summary: 'Haircut',
  location: 'Amir Temur Ave 15, Tashkent',
  stamp: new Date('2031-01-09T06:30:15.123Z'),
  status: 'CONFIRMED' as const,
};

/** Undoes folding: CRLF followed by one space joins lines. */
const unfold = (ics: string) => ics.replace(/\r\n /g, '');

describe('buildIcs', () => {
  it('writes one VEVENT in a PUBLISH VCALENDAR, in UTC, with CRLF line endings', () => {
    const ics = buildIcs(event);
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(ics.split('\r\n').slice(0, -1)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Herald//Booking notifications//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      'UID:b1@herald',
      'SEQUENCE:2',
      'DTSTAMP:20310109T063015Z',
      'DTSTART:20310110T090000Z',
      'DTEND:20310110T094500Z',
      'SUMMARY:Haircut',
      'LOCATION:Amir Temur Ave 15\\, Tashkent',
      'STATUS:CONFIRMED',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
  });

  it('leaves out an absent location and can say REQUEST', () => {
    const ics = buildIcs({ ...event, location: null, status: undefined }, 'REQUEST');
    expect(ics).toContain('METHOD:REQUEST\r\n');
    expect(ics).not.toContain('LOCATION');
    expect(ics).not.toContain('STATUS');
  });

  it('folds long lines at 75 octets, never inside a UTF-8 character', () => {
    const summary = 'Стрижка и укладка волос — полный уход, ' + 'очень длинное описание услуги '.repeat(4);
    const ics = buildIcs({ ...event, summary });
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(ics).not.toContain('\uFFFD');
    expect(unfold(ics)).toContain(`SUMMARY:${escapeText(summary)}\r\n`);
  });
});

describe('escapeText', () => {
  it('escapes backslashes, semicolons, commas and line breaks, and drops control characters', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf\u0007')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });
});

describe('foldLine', () => {
  it('keeps a 75-octet line whole and folds the 76th octet onto a continuation line', () => {
    expect(foldLine('x'.repeat(75))).toBe('x'.repeat(75));
    expect(foldLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
    expect(foldLine('x'.repeat(75 + 74 + 1))).toBe(`${'x'.repeat(75)}\r\n ${'x'.repeat(74)}\r\n x`);
  });
});

describe('formatUtc', () => {
  it('drops milliseconds and separators', () => {
    expect(formatUtc(new Date('2031-12-31T23:59:59.999Z'))).toBe('20311231T235959Z');
    expect(() => formatUtc(new Date('nope'))).toThrow(RangeError);
  });
});
