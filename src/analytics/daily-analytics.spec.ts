import type { EntityManager } from '@mikro-orm/postgresql';
import { Clock } from '../core/clock/clock';
import { loadConfig } from '../core/config/herald-config';
import { DailyAnalytics } from './daily-analytics';
import { PostalCodeAnalytics } from './postal-code-analytics.service';

const SECRET = 'a-development-secret-of-32-chars!';

/** dueDay reads only the clock it is given and the settings; the rest is never touched here. */
const scheduleWith = (env: Record<string, string>) =>
  new DailyAnalytics(null as unknown as EntityManager, null as unknown as PostalCodeAnalytics, null as unknown as Clock, loadConfig({ AUTH_JWT_SECRET: SECRET, ...env }));

describe(DailyAnalytics.name, () => {
  it('is due for yesterday from 01:00 UTC by default, and for the day before until then', () => {
    const sut = scheduleWith({});
    expect(sut.dueDay(new Date('2026-12-01T00:59:59Z'))).toBe('2026-11-29');
    expect(sut.dueDay(new Date('2026-12-01T01:00:00Z'))).toBe('2026-11-30');
    expect(sut.dueDay(new Date('2026-12-01T23:59:00Z'))).toBe('2026-11-30');
  });

  it("reads ANALYTICS_DAILY_AT on ANALYTICS_TIMEZONE's clock", () => {
    const sut = scheduleWith({ ANALYTICS_DAILY_AT: '06:30', ANALYTICS_TIMEZONE: 'Asia/Tashkent' });
    // 01:29 UTC is 06:29 in Tashkent (UTC+5): not yet.
    expect(sut.dueDay(new Date('2026-12-01T01:29:00Z'))).toBe('2026-11-29');
    expect(sut.dueDay(new Date('2026-12-01T01:30:00Z'))).toBe('2026-11-30');
    // 20:00 UTC on the 1st is already the 2nd in Tashkent, past 06:30: the 1st is due.
    expect(sut.dueDay(new Date('2026-12-01T20:00:00Z'))).toBe('2026-11-30');
    expect(sut.dueDay(new Date('2026-12-02T02:00:00Z'))).toBe('2026-12-01');
  });

  it('refuses a malformed time or an unknown zone at start-up, naming the variable', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: SECRET, ANALYTICS_DAILY_AT: '25:00' })).toThrow(/ANALYTICS_DAILY_AT/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: SECRET, ANALYTICS_TIMEZONE: 'Mars/Olympus' })).toThrow(/ANALYTICS_TIMEZONE/);
  });
});
