import { NotificationType } from '../../notifications/notification.entity';
import { Locale } from '../../users/user.entity';
import { TemplateEngine } from './template-engine';
import { TemplateFormat } from './template-format';
import { sampleContext, templateVariables } from './template-variables';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const now = new Date('2031-01-10T06:00:00Z');

describe('template filters', () => {
  const engine = new TemplateEngine();

  /** Renders `body` for a reminder, in `locale` and `zone` (the booking's Asia/Tashkent unless given). */
  function render(body: string, locale = Locale.en, zone?: string): string {
    const variables = templateVariables(sampleContext(NotificationType.booking_reminder, locale, now), now);
    return engine.render(engine.compile({ subject: null, body, format: TemplateFormat.plain }), { ...variables, locale, zone: zone ?? variables.zone }).text;
  }

  it('writes dates, times and both in the locale and the booking zone', () => {
    expect(render('{{ booking.startsAt | date }} | {{ booking.startsAt | time }} | {{ booking.endsAt | datetime }}')).toBe(
      'Friday, 10 January 2031 | 14:00 | Friday, 10 January 2031, 14:45',
    );
    expect(render('{{ booking.startsAt | date }}', Locale.ru)).toBe('пятница, 10 января 2031');
    expect(render('{{ booking.startsAt | time: "Europe/Moscow" }}')).toBe('12:00');
  });

  it('takes a calendar date (YYYY-MM-DD) as that day in any zone', () => {
    expect(render('{{ "2031-01-10" | date }}', Locale.en, 'Pacific/Kiritimati')).toBe('Friday, 10 January 2031');
  });

  it('shows times in the given zone either side of a DST change (New York, March)', () => {
    // 2031-03-09: at 02:00 EST clocks go to 03:00 EDT.
    const zone = 'America/New_York';
    const before = render('{{ "2031-03-09T06:30:00Z" | datetime }}', Locale.en, zone);
    const after = render('{{ "2031-03-09T07:30:00Z" | datetime }}', Locale.en, zone);
    expect([before, after]).toEqual(['Sunday, 9 March 2031, 01:30', 'Sunday, 9 March 2031, 03:30']);
    expect(render('{{ "2031-03-10T17:00:00Z" | time: "America/New_York" }}')).toBe('13:00');
  });

  it('refuses a zone it does not know and a value that is not a date', () => {
    expect(() => render('{{ booking.startsAt | time: "Mars/Olympus" }}')).toThrow('body, line 1, column 1: time: unknown time zone: Mars/Olympus');
    expect(() => render('{{ booking.service | date }}')).toThrow('date: not a date: Haircut');
  });

  it('writes durations in whole hours from an hour on, minutes below, with Russian plural forms', () => {
    const duration = (ms: number, locale: Locale) => render(`{{ ${ms} | duration }}`, locale);
    expect([1, 3, 5, 21].map((hours) => duration(hours * HOUR, Locale.ru))).toEqual(['1 час', '3 часа', '5 часов', '21 час']);
    expect(duration(45 * MINUTE, Locale.ru)).toBe('45 минут');
    expect(duration(3 * HOUR, Locale.en)).toBe('3 hours');
    expect(duration(3 * HOUR, Locale.uz)).toBe('3 soat');
    expect(render('{{ left | duration }}')).toBe('3 hours');
  });

  it('writes money in major units as Intl does for the locale, in UZS unless told', () => {
    expect(render('{{ 150000 | money }}', Locale.uz)).toBe(new Intl.NumberFormat('uz', { style: 'currency', currency: 'UZS' }).format(150000));
    expect(render('{{ 150000 | money }}', Locale.uz)).toMatch(/^150\s000,00\s/);
    expect(render('{{ 12.5 | money: "usd" }}', Locale.en)).toBe(new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' }).format(12.5));
  });

  it('says how far an instant is from now', () => {
    expect(render('{{ booking.startsAt | relative }}')).toBe('in 3 hours');
    expect(render('{{ booking.startsAt | relative }}', Locale.ru)).toBe('через 3 часа');
    expect(render('{{ notification.dueAt | relative }} / {{ "2031-01-10T05:15:00Z" | relative }} / {{ "2031-01-13T06:00:00Z" | relative }}')).toBe(
      'in 0 minutes / 45 minutes ago / in 3 days',
    );
  });
});
