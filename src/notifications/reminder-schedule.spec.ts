import { loadConfig } from '../core/config/herald-config';
import { NotificationChannel } from './notification.entity';
import { defaultReminderSchedule, formatBefore, userScheduleProblems } from './reminder-schedule';

const SECRET = 'a-secret-that-is-at-least-32-characters';

describe(defaultReminderSchedule.name, () => {
  it('reads NOTIFY_REMINDER_OFFSETS entries with and without a channel', () => {
    expect(defaultReminderSchedule(loadConfig({ AUTH_JWT_SECRET: SECRET, NOTIFY_REMINDER_OFFSETS: '2d@email, 1d@sms,2h@sms,30m' }))).toEqual([
      { beforeSeconds: 172_800, channel: NotificationChannel.email },
      { beforeSeconds: 86_400, channel: NotificationChannel.sms },
      { beforeSeconds: 7_200, channel: NotificationChannel.sms },
      { beforeSeconds: 1_800, channel: null },
    ]);
  });

  it('refuses an unknown channel or a channel-less "@", naming the setting', () => {
    for (const value of ['2d@fax', '2d@', '2d@in_app', '1500ms@sms']) {
      expect(() => loadConfig({ AUTH_JWT_SECRET: SECRET, NOTIFY_REMINDER_OFFSETS: value })).toThrow(/NOTIFY_REMINDER_OFFSETS/);
    }
  });
});

describe(userScheduleProblems.name, () => {
  const entry = (beforeSeconds: number) => ({ beforeSeconds, channel: null });

  it('accepts 1 minute to 30 days, at most 10 entries, each moment once', () => {
    expect(userScheduleProblems([entry(60), entry(30 * 86_400)])).toEqual([]);
    expect(userScheduleProblems([])).toEqual([]);
  });

  it('names each problem', () => {
    expect(userScheduleProblems([entry(59), entry(30 * 86_400 + 1)])).toEqual([
      '59s is not between 1 minute and 30 days before the start',
      '2592001s is not between 1 minute and 30 days before the start',
    ]);
    expect(userScheduleProblems([entry(3600), { beforeSeconds: 3600, channel: NotificationChannel.sms }])).toEqual(['1h before the start is listed twice']);
    expect(userScheduleProblems(Array.from({ length: 11 }, (_, i) => entry(60 * (i + 1))))).toEqual(['at most 10 reminders']);
  });

  it('writes durations in their largest whole unit', () => {
    expect([formatBefore(172_800), formatBefore(5_400), formatBefore(90), formatBefore(7_200)]).toEqual(['2d', '90m', '90s', '2h']);
  });
});
