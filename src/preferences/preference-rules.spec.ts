import { NotificationType } from '../notifications/notification.entity';
import { CategoryMap, DEFAULT_PREFERENCES, NOTIFICATION_CATEGORIES, NotificationCategory, quietUntil, RecipientPreferences, wantsType } from './preference-rules';

const prefs = (overrides: Partial<RecipientPreferences>): RecipientPreferences => ({ ...DEFAULT_PREFERENCES, ...overrides });

describe(wantsType.name, () => {
  it('wants booking messages unless opted out', () => {
    expect(wantsType(DEFAULT_PREFERENCES, NotificationType.booking_reminder)).toBe(true);
    expect(wantsType(prefs({ optedOut: [NotificationType.booking_reminder] }), NotificationType.booking_reminder)).toBe(false);
    expect(wantsType(prefs({ optedOut: [NotificationType.booking_reminder] }), NotificationType.booking_confirmation)).toBe(true);
  });

  it('always wants critical types, whatever is stored', () => {
    const everythingOff = prefs({ optedOut: Object.values(NotificationType) });
    expect(wantsType(everythingOff, NotificationType.booking_cancelled)).toBe(true);
    expect(wantsType(everythingOff, NotificationType.booking_rescheduled)).toBe(true);
    expect(wantsType(everythingOff, NotificationType.booking_reminder)).toBe(false);
  });

  it('wants a marketing type only after an explicit opt-in', () => {
    // No marketing type exists yet: pretend the agenda were one.
    const categories: CategoryMap = { ...NOTIFICATION_CATEGORIES, [NotificationType.provider_daily_agenda]: NotificationCategory.marketing };
    const type = NotificationType.provider_daily_agenda;
    expect(wantsType(DEFAULT_PREFERENCES, type, categories)).toBe(false);
    expect(wantsType(prefs({ optedIn: [type] }), type, categories)).toBe(true);
    // Not opting out is not opting in.
    expect(wantsType(prefs({ optedOut: [] }), type, categories)).toBe(false);
  });
});

describe(quietUntil.name, () => {
  const night = { start: '22:00', end: '07:00' };

  it('is null outside quiet hours and without them', () => {
    expect(quietUntil(night, 'Asia/Tashkent', new Date('2031-01-10T10:00:00Z'))).toBeNull(); // 15:00 local
    expect(quietUntil(null, 'Asia/Tashkent', new Date('2031-01-10T20:00:00Z'))).toBeNull();
    expect(quietUntil({ start: '08:00', end: '08:00' }, 'UTC', new Date('2031-01-10T08:00:00Z'))).toBeNull();
  });

  it('wraps midnight: before it, the end is the next local morning; after it, the same morning', () => {
    // 23:30 in Tashkent (UTC+5) → 07:00 next day local = 02:00Z.
    expect(quietUntil(night, 'Asia/Tashkent', new Date('2031-01-10T18:30:00Z'))).toEqual(new Date('2031-01-11T02:00:00Z'));
    // 03:00 local → 07:00 the same day.
    expect(quietUntil(night, 'Asia/Tashkent', new Date('2031-01-10T22:00:00Z'))).toEqual(new Date('2031-01-11T02:00:00Z'));
  });

  it('ends exactly at the end minute and starts exactly at the start minute', () => {
    expect(quietUntil(night, 'UTC', new Date('2031-01-10T07:00:00Z'))).toBeNull();
    expect(quietUntil(night, 'UTC', new Date('2031-01-10T22:00:00Z'))).toEqual(new Date('2031-01-11T07:00:00Z'));
  });

  it('handles a window within one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietUntil(lunch, 'UTC', new Date('2031-01-10T12:10:00Z'))).toEqual(new Date('2031-01-10T13:30:00Z'));
    expect(quietUntil(lunch, 'UTC', new Date('2031-01-10T11:59:00Z'))).toBeNull();
  });

  it('follows the wall clock across a DST change (America/New_York, 8 March 2026)', () => {
    // 23:00 EST on 7 March = 04:00Z; 07:00 on 8 March is EDT (UTC-4) = 11:00Z, only 7 hours later.
    expect(quietUntil(night, 'America/New_York', new Date('2026-03-08T04:00:00Z'))).toEqual(new Date('2026-03-08T11:00:00Z'));
    // The same night a week earlier ends at 12:00Z (EST).
    expect(quietUntil(night, 'America/New_York', new Date('2026-03-01T04:00:00Z'))).toEqual(new Date('2026-03-01T12:00:00Z'));
    // An end inside the skipped hour (02:30 does not exist that night) moves to the first valid time after it.
    expect(quietUntil({ start: '22:00', end: '02:30' }, 'America/New_York', new Date('2026-03-08T05:00:00Z'))).toEqual(new Date('2026-03-08T07:30:00Z'));
  });
});
