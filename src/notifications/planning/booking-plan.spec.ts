import { BookingEventType } from '../../bookings/booking-event.entity';
import { BookingStatus } from '../../bookings/booking.entity';
import { loadConfig } from '../../core/config/herald-config';
import { DEFAULT_PREFERENCES, RecipientPreferences } from '../../preferences/preference-rules';
import { NotificationChannel, NotificationReason, NotificationType } from '../notification.entity';
import {
  agendaDueAt,
  BookingPlanInput,
  channelOrderFor,
  channelsFor,
  localDate,
  parseChannelList,
  parseChannelsByType,
  planBooking,
  PlanParty,
  planReminderSchedule,
  PlanSettings,
  planSettingsFrom,
  PlanTrigger,
  reachableOn,
} from './booking-plan';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = new Date('2026-11-21T10:00:00.000Z');

const customer: PlanParty = { id: 'cust', telegramChatId: '1001', email: 'kamola@example.com', phone: '+998901234567', timezone: 'Asia/Tashkent' };
const provider: PlanParty = { id: 'prov', telegramChatId: null, email: 'pavel@example.com', phone: '+998901234568', timezone: 'Asia/Tashkent' };

/** The documented defaults, read through the real config so the two cannot drift apart. */
const DEFAULTS: PlanSettings = planSettingsFrom(loadConfig({ AUTH_JWT_SECRET: 'a-secret-that-is-at-least-32-characters' }));

function input(
  overrides: {
    startsAt?: Date;
    hours?: number;
    trigger?: PlanTrigger;
    settings?: Partial<PlanSettings>;
    now?: Date;
    provider?: Partial<PlanParty>;
    customer?: Partial<PlanParty>;
    status?: BookingStatus;
    scheduleVersion?: number;
  } = {},
): BookingPlanInput {
  const startsAt = overrides.startsAt ?? new Date(NOW.getTime() + 4 * 24 * HOUR);
  const trigger = overrides.trigger ?? { type: BookingEventType.created, bookingVersion: 1 };
  return {
    booking: {
      id: 'bk',
      startsAt,
      endsAt: new Date(startsAt.getTime() + (overrides.hours ?? 1) * HOUR),
      timezone: 'Asia/Tashkent',
      status: overrides.status ?? BookingStatus.pending,
      version: trigger.bookingVersion,
      scheduleVersion: overrides.scheduleVersion ?? trigger.bookingVersion,
    },
    customer: { ...customer, ...overrides.customer },
    provider: { ...provider, ...overrides.provider },
    settings: { ...DEFAULTS, ...overrides.settings },
    trigger,
    now: overrides.now ?? NOW,
  };
}

/** A compact view of a row for table-like assertions. */
const view = (row: ReturnType<typeof planBooking>['rows'][number]) => [
  row.type,
  row.recipientId,
  row.channel,
  row.offsetSeconds / 60,
  row.dueAt.toISOString(),
  row.status,
  row.reason,
];

const tallyTypes = (rows: { type: string }[]) => rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.type]: (counts[row.type] ?? 0) + 1 }), {});

describe(planBooking.name, () => {
  describe('created, 4 days ahead (defaults: 72h,36h,24h,3h,1h; telegram,email,sms; in-app copy; 24h horizon)', () => {
    const plan = planBooking(input());

    it('plans confirmation and new-booking notice now, five reminders, the provider nudge and the agenda', () => {
      expect(plan.cancel).toBeNull();
      expect(plan.rows.map(view)).toEqual([
        ['booking_confirmation', 'cust', 'telegram', 0, '2026-11-21T10:00:00.000Z', 'queued', null],
        ['booking_confirmation', 'cust', 'in_app', 0, '2026-11-21T10:00:00.000Z', 'queued', null],
        ['provider_new_booking', 'prov', 'email', 0, '2026-11-21T10:00:00.000Z', 'queued', null],
        ['provider_new_booking', 'prov', 'in_app', 0, '2026-11-21T10:00:00.000Z', 'queued', null],
        // 72h before 2026-11-25T10:00Z is exactly the 24h horizon away: queued.
        ['booking_reminder', 'cust', 'telegram', 4320, '2026-11-22T10:00:00.000Z', 'queued', null],
        ['booking_reminder', 'cust', 'in_app', 4320, '2026-11-22T10:00:00.000Z', 'queued', null],
        ['booking_reminder', 'cust', 'telegram', 2160, '2026-11-23T22:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'in_app', 2160, '2026-11-23T22:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'telegram', 1440, '2026-11-24T10:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'in_app', 1440, '2026-11-24T10:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'telegram', 180, '2026-11-25T07:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'in_app', 180, '2026-11-25T07:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'telegram', 60, '2026-11-25T09:00:00.000Z', 'planned', null],
        ['booking_reminder', 'cust', 'in_app', 60, '2026-11-25T09:00:00.000Z', 'planned', null],
        ['provider_next_booking', 'prov', 'email', 60, '2026-11-25T09:00:00.000Z', 'planned', null],
        ['provider_next_booking', 'prov', 'in_app', 60, '2026-11-25T09:00:00.000Z', 'planned', null],
        // 15:00 in Tashkent (UTC+5) on the 25th: agenda at 07:00 local = 02:00Z.
        ['provider_daily_agenda', 'prov', 'email', 0, '2026-11-25T02:00:00.000Z', 'planned', null],
        ['provider_daily_agenda', 'prov', 'in_app', 0, '2026-11-25T02:00:00.000Z', 'planned', null],
      ]);
    });

    it('keys booking rows by (booking, type, offset, channel, recipient, version) and the agenda by (provider, local day, channel)', () => {
      const keys = plan.rows.map((row) => row.dedupKey);
      expect(keys).toContain('bk:booking_confirmation:0:telegram:cust:v1');
      expect(keys).toContain('bk:booking_reminder:4320:telegram:cust:v1');
      expect(keys).toContain('bk:booking_reminder:60:in_app:cust:v1');
      expect(keys).toContain('bk:provider_next_booking:60:email:prov:v1');
      expect(keys).toContain('agenda:prov:2026-11-25:email');
      expect(keys).toContain('agenda:prov:2026-11-25:in_app');
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('stores the planned slot on every booking row, ids and facts only', () => {
      for (const row of plan.rows.filter((r) => r.type !== NotificationType.provider_daily_agenda)) {
        expect(row).toMatchObject({ bookingId: 'bk', bookingVersion: 1 });
        expect(row.payload).toEqual({ startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T11:00:00.000Z' });
      }
      const agenda = plan.rows.filter((r) => r.type === NotificationType.provider_daily_agenda);
      for (const row of agenda) expect(row).toMatchObject({ bookingId: null, bookingVersion: null, offsetSeconds: 0, payload: { agendaDate: '2026-11-25' } });
    });
  });

  it('plans only the 1h reminder for a booking made 2h ahead; the rest are recorded skipped/too_late', () => {
    const plan = planBooking(input({ startsAt: new Date(NOW.getTime() + 2 * HOUR) }));
    const reminders = plan.rows.filter((row) => row.type === NotificationType.booking_reminder && row.channel === NotificationChannel.telegram);
    expect(reminders.map((row) => [row.offsetSeconds / 60, row.status, row.reason])).toEqual([
      [4320, 'skipped', 'too_late'],
      [2160, 'skipped', 'too_late'],
      [1440, 'skipped', 'too_late'],
      [180, 'skipped', 'too_late'],
      [60, 'queued', null],
    ]);
    // Immediate messages are due now, never late.
    expect(plan.rows.filter((row) => row.type === NotificationType.booking_confirmation).map((row) => row.status)).toEqual(['queued', 'queued']);
    expect(plan.rows.find((row) => row.type === NotificationType.provider_next_booking)).toMatchObject({
      status: 'queued',
      dueAt: new Date(NOW.getTime() + HOUR),
    });
    // 12:00Z is 17:00 in Tashkent: that day's 07:00 agenda has passed.
    expect(plan.rows.filter((row) => row.type === NotificationType.provider_daily_agenda).map((row) => [row.status, row.reason])).toEqual([
      ['skipped', 'too_late'],
      ['skipped', 'too_late'],
    ]);
  });

  it('keys sub-minute offsets exactly (20s and 10s are two reminders) and whole minutes by their minutes, as before', () => {
    const startsAt = new Date(NOW.getTime() + HOUR);
    const settings = { reminders: [20, 10, 90, 60].map((beforeSeconds) => ({ beforeSeconds, channel: null })), channels: [NotificationChannel.email] as const, inAppCopy: false };
    const reminders = planBooking(input({ startsAt, settings })).rows.filter((row) => row.type === NotificationType.booking_reminder);
    const before = (ms: number) => new Date(startsAt.getTime() - ms);
    expect(reminders.map((row) => [row.offsetSeconds, row.dedupKey, row.dueAt])).toEqual([
      [20, 'bk:booking_reminder:20s:email:cust:v1', before(20_000)],
      [10, 'bk:booking_reminder:10s:email:cust:v1', before(10_000)],
      [90, 'bk:booking_reminder:90s:email:cust:v1', before(90_000)],
      [60, 'bk:booking_reminder:1:email:cust:v1', before(MINUTE)],
    ]);
  });

  it('treats a moment that is exactly now as not late', () => {
    const plan = planBooking(input({ startsAt: new Date(NOW.getTime() + HOUR) }));
    expect(plan.rows.find((row) => row.type === NotificationType.booking_reminder && row.offsetSeconds === 3600)).toMatchObject({
      status: 'queued',
      reason: null,
    });
  });

  describe('channels', () => {
    const order = (channels: string) => ({ channels: channels.split(',') as PlanSettings['channels'], inAppCopy: true });

    it('uses telegram when linked, else email; sms only when it comes first in the order or nothing else reaches', () => {
      expect(channelsFor(customer, order('telegram,email,sms')).channels).toEqual(['telegram', 'in_app']);
      expect(channelsFor(provider, order('telegram,email,sms')).channels).toEqual(['email', 'in_app']);
      expect(channelsFor({ ...provider, email: null }, order('telegram,email,sms')).channels).toEqual(['sms', 'in_app']);
      expect(channelsFor(customer, order('sms,telegram,email')).channels).toEqual(['sms', 'in_app']);
      expect(channelsFor(customer, order('email,telegram')).channels).toEqual(['email', 'in_app']);
      expect(channelsFor({ ...customer, phone: null }, order('sms,email')).channels).toEqual(['email', 'in_app']);
    });

    it('adds the in-app copy only when NOTIFY_IN_APP_COPY is on', () => {
      expect(channelsFor(customer, { channels: [NotificationChannel.telegram], inAppCopy: false }).channels).toEqual(['telegram']);
      const plan = planBooking(input({ settings: { inAppCopy: false } }));
      expect(plan.rows.some((row) => row.channel === NotificationChannel.in_app)).toBe(false);
      expect(plan.rows).toHaveLength(9);
    });

    it('records a skipped/no_address row on the first configured channel when no configured channel reaches the recipient', () => {
      const plan = planBooking(input({ settings: { channels: [NotificationChannel.telegram] } }));
      const toProvider = plan.rows.filter((row) => row.type === NotificationType.provider_new_booking);
      expect(toProvider.map((row) => [row.channel, row.status, row.reason])).toEqual([
        ['in_app', 'queued', null],
        ['telegram', 'skipped', 'no_address'],
      ]);
    });
  });

  describe('channel order per type', () => {
    it('parses NOTIFY_CHANNELS_BY_TYPE into an order per type', () => {
      expect(parseChannelsByType('')).toEqual({});
      expect(parseChannelsByType('booking_reminder=telegram,sms,email;booking_confirmation=email,telegram')).toEqual({
        booking_reminder: ['telegram', 'sms', 'email'],
        booking_confirmation: ['email', 'telegram'],
      });
      expect(parseChannelsByType(' booking_reminder = sms , email ')).toEqual({ booking_reminder: ['sms', 'email'] });
    });

    it('rejects an unknown type, a type listed twice, a bad channel or entry, naming the setting', () => {
      expect(() => parseChannelsByType('booking_remindr=telegram')).toThrow(/NOTIFY_CHANNELS_BY_TYPE: unknown notification type "booking_remindr"/);
      expect(() => parseChannelsByType('booking_reminder=email;booking_reminder=sms')).toThrow(/NOTIFY_CHANNELS_BY_TYPE: "booking_reminder" is listed twice/);
      expect(() => parseChannelsByType('booking_reminder=in_app')).toThrow(/NOTIFY_CHANNELS_BY_TYPE \(booking_reminder\): "in_app" is not a channel/);
      expect(() => parseChannelsByType('booking_reminder')).toThrow(/NOTIFY_CHANNELS_BY_TYPE: "booking_reminder" is not "type=channel,channel"/);
    });

    it('drops a repeated channel, keeping its first place', () => {
      expect(parseChannelList('telegram,email,telegram', 'NOTIFY_CHANNELS')).toEqual(['telegram', 'email']);
    });

    it('stops the boot on an unknown type: planSettingsFrom throws', () => {
      const config = loadConfig({ AUTH_JWT_SECRET: 'a-secret-that-is-at-least-32-characters', NOTIFY_CHANNELS_BY_TYPE: 'reminder=email' });
      expect(() => planSettingsFrom(config)).toThrow(/NOTIFY_CHANNELS_BY_TYPE/);
    });

    it("uses the type's own order, else NOTIFY_CHANNELS", () => {
      const settings = { channels: DEFAULTS.channels, channelsByType: parseChannelsByType('booking_reminder=sms,email') };
      expect(channelOrderFor(NotificationType.booking_reminder, settings)).toEqual(['sms', 'email']);
      expect(channelOrderFor(NotificationType.booking_confirmation, settings)).toEqual(['telegram', 'email', 'sms']);
    });

    it('plans each type on the first channel of its own order the recipient is reachable on', () => {
      const plan = planBooking(input({ settings: { channelsByType: parseChannelsByType('booking_reminder=sms,email;booking_confirmation=email') } }));
      const channelsOf = (type: NotificationType) => [...new Set(plan.rows.filter((row) => row.type === type && row.recipientId === 'cust').map((row) => row.channel))];
      expect(channelsOf(NotificationType.booking_reminder)).toEqual(['sms', 'in_app']);
      expect(channelsOf(NotificationType.booking_confirmation)).toEqual(['email', 'in_app']);
    });

    it('counts a switched-off Telegram or SMS as unreachable', () => {
      expect(reachableOn(customer, NotificationChannel.telegram)).toBe(true);
      expect(reachableOn({ ...customer, telegramOffAt: NOW }, NotificationChannel.telegram)).toBe(false);
      expect(reachableOn({ ...customer, smsOffAt: NOW }, NotificationChannel.sms)).toBe(false);
      expect(reachableOn({ ...customer, telegramOffAt: NOW }, NotificationChannel.email)).toBe(true);
      const plan = planBooking(input({ customer: { telegramOffAt: NOW } }));
      expect(plan.rows.find((row) => row.type === NotificationType.booking_confirmation)!.channel).toBe(NotificationChannel.email);
      expect(plan.rows.some((row) => row.recipientId === 'cust' && row.channel === NotificationChannel.telegram)).toBe(false);
    });

    it('records one skipped/no_address row, on the first channel of the order, only when no channel reaches the recipient', () => {
      const settings = { channels: [NotificationChannel.telegram, NotificationChannel.sms] as PlanSettings['channels'], inAppCopy: true };
      expect(channelsFor({ ...provider, phone: null }, settings)).toEqual({ channels: ['in_app'], unreachable: 'telegram' });
      expect(channelsFor(provider, settings)).toEqual({ channels: ['sms', 'in_app'], unreachable: null });
    });
  });

  describe('optional nudges', () => {
    it('plans booking_starting at start and booking_ending_soon before end when configured', () => {
      const plan = planBooking(
        input({ hours: 2, settings: { atStart: true, beforeEndMs: 10 * MINUTE, channels: [NotificationChannel.email], inAppCopy: false } }),
      );
      expect(plan.rows.filter((row) => [NotificationType.booking_starting, NotificationType.booking_ending_soon].includes(row.type)).map(view)).toEqual([
        ['booking_starting', 'cust', 'email', 0, '2026-11-25T10:00:00.000Z', 'planned', null],
        ['booking_ending_soon', 'cust', 'email', 10, '2026-11-25T11:50:00.000Z', 'planned', null],
      ]);
    });

    it('leaves them out by default', () => {
      const types = planBooking(input()).rows.map((row) => row.type);
      expect(types).not.toContain(NotificationType.booking_starting);
      expect(types).not.toContain(NotificationType.booking_ending_soon);
    });

    it('uses NOTIFY_PROVIDER_NEXT_BOOKING for the provider nudge', () => {
      const plan = planBooking(input({ settings: { providerNextBookingMs: 30 * MINUTE } }));
      expect(plan.rows.find((row) => row.type === NotificationType.provider_next_booking)).toMatchObject({
        offsetSeconds: 1800,
        dueAt: new Date('2026-11-25T09:30:00.000Z'),
      });
    });
  });

  it('created, planned after a reschedule already committed: confirms the creation, leaves the schedule to the reschedule', () => {
    const plan = planBooking(input({ trigger: { type: BookingEventType.created, bookingVersion: 1 }, scheduleVersion: 2 }));
    expect(tallyTypes(plan.rows)).toEqual({ booking_confirmation: 2, provider_new_booking: 2 });
    for (const row of plan.rows) expect(row.dedupKey).toMatch(/:v1$/);
    expect(planBooking(input({ trigger: { type: BookingEventType.created, bookingVersion: 1 }, scheduleVersion: 2, status: BookingStatus.cancelled })).rows).toEqual([]);
  });

  describe('rescheduled', () => {
    const trigger: PlanTrigger = { type: BookingEventType.rescheduled, bookingVersion: 3, previousStartsAt: '2026-11-24T10:00:00.000Z' };

    it('cancels pending rows of earlier versions and plans everything timed again at the new version, with notices now', () => {
      const plan = planBooking(input({ trigger, status: BookingStatus.confirmed }));
      expect(plan.cancel).toEqual({ reason: NotificationReason.rescheduled, belowVersion: 3, spare: [NotificationType.booking_confirmation, NotificationType.provider_new_booking] });
      expect(
        plan.rows
          .filter((row) => row.type === NotificationType.booking_rescheduled)
          .map((row) => [row.recipientId, row.channel, row.dueAt.toISOString(), row.payload]),
      ).toEqual([
        [
          'cust',
          'telegram',
          NOW.toISOString(),
          { startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T11:00:00.000Z', previousStartsAt: '2026-11-24T10:00:00.000Z' },
        ],
        [
          'cust',
          'in_app',
          NOW.toISOString(),
          { startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T11:00:00.000Z', previousStartsAt: '2026-11-24T10:00:00.000Z' },
        ],
        [
          'prov',
          'email',
          NOW.toISOString(),
          { startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T11:00:00.000Z', previousStartsAt: '2026-11-24T10:00:00.000Z' },
        ],
        [
          'prov',
          'in_app',
          NOW.toISOString(),
          { startsAt: '2026-11-25T10:00:00.000Z', endsAt: '2026-11-25T11:00:00.000Z', previousStartsAt: '2026-11-24T10:00:00.000Z' },
        ],
      ]);
      expect(plan.rows.filter((row) => row.type === NotificationType.booking_reminder)).toHaveLength(10);
      expect(plan.rows.some((row) => row.type === NotificationType.booking_confirmation)).toBe(false);
      for (const row of plan.rows.filter((r) => r.bookingId)) expect(row.dedupKey).toMatch(/:v3$/);
      expect(plan.rows.filter((row) => row.type === NotificationType.provider_daily_agenda)).toHaveLength(2);
    });

    it('plans nothing new for a stale event (a later reschedule exists) or a booking no longer active', () => {
      expect(planBooking(input({ trigger, scheduleVersion: 5 })).rows).toEqual([]);
      expect(planBooking(input({ trigger, status: BookingStatus.cancelled })).rows).toEqual([]);
      expect(planBooking(input({ status: BookingStatus.cancelled })).rows).toEqual([]);
    });
  });

  it('cancelled: cancels pending rows and notifies both parties now, with the reason', () => {
    const plan = planBooking(
      input({ trigger: { type: BookingEventType.cancelled, bookingVersion: 2, cancellationReason: 'Sick' }, status: BookingStatus.cancelled }),
    );
    expect(plan.cancel).toEqual({ reason: NotificationReason.booking_cancelled, belowVersion: 2, spare: [] });
    expect(plan.rows.map((row) => [row.type, row.recipientId, row.channel, row.status, row.dedupKey, row.payload.cancellationReason])).toEqual([
      ['booking_cancelled', 'cust', 'telegram', 'queued', 'bk:booking_cancelled:0:telegram:cust:v2', 'Sick'],
      ['booking_cancelled', 'cust', 'in_app', 'queued', 'bk:booking_cancelled:0:in_app:cust:v2', 'Sick'],
      ['booking_cancelled', 'prov', 'email', 'queued', 'bk:booking_cancelled:0:email:prov:v2', 'Sick'],
      ['booking_cancelled', 'prov', 'in_app', 'queued', 'bk:booking_cancelled:0:in_app:prov:v2', 'Sick'],
    ]);
  });

  it.each([
    [BookingEventType.completed, NotificationReason.booking_completed],
    [BookingEventType.no_show, NotificationReason.booking_no_show],
  ] as const)('%s: cancels pending rows and plans nothing', (type, reason) => {
    const plan = planBooking(input({ trigger: { type, bookingVersion: 4 }, status: BookingStatus.completed }));
    expect(plan).toEqual({ cancel: { reason, belowVersion: 4, spare: [] }, rows: [] });
  });

  it('skips a reminder offset longer than the booking is ahead but keeps the horizon rule for the rest', () => {
    const plan = planBooking(input({ startsAt: new Date(NOW.getTime() + 30 * HOUR), settings: { channels: [NotificationChannel.email], inAppCopy: false } }));
    expect(plan.rows.filter((row) => row.type === NotificationType.booking_reminder).map((row) => [row.offsetSeconds / 60, row.status])).toEqual([
      [4320, 'skipped'],
      [2160, 'skipped'],
      [1440, 'queued'],
      [180, 'planned'],
      [60, 'planned'],
    ]);
  });
});

describe('preferences at planning', () => {
  const prefs = (overrides: Partial<RecipientPreferences>): RecipientPreferences => ({ ...DEFAULT_PREFERENCES, ...overrides });
  const remindersOf = (plan: ReturnType<typeof planBooking>) =>
    plan.rows.filter((row) => row.type === NotificationType.booking_reminder).map((row) => [row.offsetSeconds / 60, row.channel, row.status, row.reason]);

  it('records an opted-out type skipped/opted_out on the channels it would have gone on, and plans the rest', () => {
    const plan = planBooking(input({ customer: { preferences: prefs({ optedOut: [NotificationType.booking_reminder] }) }, settings: { reminders: [{ beforeSeconds: 3600, channel: null }] } }));
    expect(remindersOf(plan)).toEqual([
      [60, 'telegram', 'skipped', 'opted_out'],
      [60, 'in_app', 'skipped', 'opted_out'],
    ]);
    expect(plan.rows.filter((row) => row.type === NotificationType.booking_confirmation).map((row) => row.status)).toEqual(['queued', 'queued']);
  });

  it('never skips a critical type, even if stored as opted out', () => {
    const customerPrefs = prefs({ optedOut: [NotificationType.booking_cancelled] });
    const plan = planBooking(
      input({ trigger: { type: BookingEventType.cancelled, bookingVersion: 2, cancellationReason: null }, status: BookingStatus.cancelled, customer: { preferences: customerPrefs } }),
    );
    expect(plan.rows.filter((row) => row.recipientId === 'cust').map((row) => row.status)).toEqual(['queued', 'queued']);
  });

  it('treats a channel switched off like one without an address: the next of the order takes it; in-app off drops the copy', () => {
    const plan = planBooking(
      input({
        customer: { preferences: prefs({ channelsOff: [NotificationChannel.telegram, NotificationChannel.in_app] }) },
        settings: { reminders: [{ beforeSeconds: 3600, channel: null }] },
      }),
    );
    expect(remindersOf(plan)).toEqual([[60, 'email', 'planned', null]]);
    const nowhere = planBooking(input({ customer: { preferences: prefs({ channelsOff: [NotificationChannel.telegram, NotificationChannel.email, NotificationChannel.sms] }) }, settings: { reminders: [{ beforeSeconds: 3600, channel: null }] } }));
    expect(remindersOf(nowhere)).toEqual([
      [60, 'in_app', 'planned', null],
      [60, 'telegram', 'skipped', 'no_address'],
    ]);
  });

  it("uses the customer's own schedule, each entry on its channel first (2 days by email, 1 day and 2 h by SMS)", () => {
    const reminderSchedule = [
      { beforeSeconds: 2 * 86_400, channel: NotificationChannel.email },
      { beforeSeconds: 86_400, channel: NotificationChannel.sms },
      { beforeSeconds: 7_200, channel: NotificationChannel.sms },
    ] as const;
    const plan = planBooking(input({ customer: { preferences: prefs({ reminderSchedule }) }, settings: { inAppCopy: false } }));
    expect(remindersOf(plan)).toEqual([
      [2880, 'email', 'planned', null],
      [1440, 'sms', 'planned', null],
      [120, 'sms', 'planned', null],
    ]);
    expect(plan.rows.find((row) => row.offsetSeconds === 7_200)?.dedupKey).toBe('bk:booking_reminder:120:sms:cust:v1');
    // An entry's channel that cannot reach them gives way to the type's order.
    const noPhone = planBooking(input({ customer: { phone: null, preferences: prefs({ reminderSchedule }) }, settings: { inAppCopy: false } }));
    expect(remindersOf(noPhone).map(([, channel]) => channel)).toEqual(['email', 'telegram', 'telegram']);
    // The provider's own schedule plays no part in the customer's reminders.
    expect(remindersOf(planBooking(input({ provider: { preferences: prefs({ reminderSchedule }) }, settings: { inAppCopy: false } }))).map(([minutes]) => minutes)).toEqual([
      4320, 2160, 1440, 180, 60,
    ]);
  });

  it('reads channels in the global schedule too (NOTIFY_REMINDER_OFFSETS=2d@email,1d@sms,2h@sms,1h)', () => {
    const settings = planSettingsFrom(loadConfig({ AUTH_JWT_SECRET: 'a-secret-that-is-at-least-32-characters', NOTIFY_REMINDER_OFFSETS: '2d@email,1d@sms,2h@sms,1h', NOTIFY_IN_APP_COPY: 'false' }));
    expect(remindersOf(planBooking(input({ settings })))).toEqual([
      [2880, 'email', 'planned', null],
      [1440, 'sms', 'planned', null],
      [120, 'sms', 'planned', null],
      [60, 'telegram', 'planned', null],
    ]);
  });

  it('re-planning wants exactly the reminders of the current schedule', () => {
    const reminderSchedule = [{ beforeSeconds: 7_200, channel: NotificationChannel.sms }] as const;
    const rows = planReminderSchedule(input({ customer: { preferences: prefs({ reminderSchedule }) } }));
    expect(rows.map((row) => [row.type, row.offsetSeconds, row.channel, row.dedupKey])).toEqual([
      ['booking_reminder', 7200, 'sms', 'bk:booking_reminder:120:sms:cust:v1'],
      ['booking_reminder', 7200, 'in_app', 'bk:booking_reminder:120:in_app:cust:v1'],
    ]);
    expect(planReminderSchedule(input({ status: BookingStatus.cancelled }))).toEqual([]);
  });
});

describe('provider daily agenda across DST', () => {
  // Europe/Berlin leaves summer time on Sunday 2026-10-25 (03:00 CEST → 02:00 CET).
  const berlin: Partial<PlanParty> = { timezone: 'Europe/Berlin' };
  const now = new Date('2026-10-20T12:00:00.000Z');
  const agendaOf = (startsAt: string) =>
    planBooking(input({ now, startsAt: new Date(startsAt), provider: berlin, settings: { inAppCopy: false } })).rows.filter(
      (row) => row.type === NotificationType.provider_daily_agenda,
    );

  it('is due at 07:00 local on the day before (CEST, UTC+2) and the day of the change (CET, UTC+1)', () => {
    const before = agendaOf('2026-10-24T14:00:00.000Z');
    const dayOf = agendaOf('2026-10-25T14:00:00.000Z');
    expect(before.map((row) => [row.dedupKey, row.dueAt.toISOString(), row.payload.agendaDate])).toEqual([
      ['agenda:prov:2026-10-24:email', '2026-10-24T05:00:00.000Z', '2026-10-24'],
    ]);
    expect(dayOf.map((row) => [row.dedupKey, row.dueAt.toISOString(), row.payload.agendaDate])).toEqual([
      ['agenda:prov:2026-10-25:email', '2026-10-25T06:00:00.000Z', '2026-10-25'],
    ]);
  });

  it('gives two bookings on the same local day one agenda key, and uses the local (not UTC) day', () => {
    // 23:30Z on the 24th is already 01:30 on the 25th in Berlin.
    const late = agendaOf('2026-10-24T23:30:00.000Z');
    const afternoon = agendaOf('2026-10-25T14:00:00.000Z');
    expect(late[0].dedupKey).toBe(afternoon[0].dedupKey);
    expect(late[0].dueAt).toEqual(afternoon[0].dueAt);
  });

  it('handles New York spring-forward and a configured hour that falls into the gap', () => {
    // America/New_York springs forward on 2026-03-08 (02:00 EST → 03:00 EDT).
    expect(agendaDueAt('2026-03-07', 7, 'America/New_York').toISOString()).toBe('2026-03-07T12:00:00.000Z');
    expect(agendaDueAt('2026-03-08', 7, 'America/New_York').toISOString()).toBe('2026-03-08T11:00:00.000Z');
    // 02:00 does not exist that day: moved forward to 03:00 EDT.
    expect(agendaDueAt('2026-03-08', 2, 'America/New_York').toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(localDate(new Date('2026-03-08T04:30:00.000Z'), 'America/New_York')).toBe('2026-03-07');
  });
});
