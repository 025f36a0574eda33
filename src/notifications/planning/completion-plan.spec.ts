import { NotificationChannel, NotificationReason, NotificationStatus, NotificationType } from '../notification.entity';
import { PlanParty, PlanSettings } from './booking-plan';
import { COMPLETION_GRACE_MS, completionSlot, OVERDUE_REMINDED_MS, planCompletionReminders } from './completion-plan';

const HOURS = [8, 14, 18];
const HOUR = 3_600_000;
const settings: PlanSettings = {
  reminders: [],
  atStart: false,
  beforeEndMs: null,
  providerNextBookingMs: HOUR,
  agendaHour: 7,
  queueHorizonMs: 2 * HOUR,
  channels: [NotificationChannel.telegram, NotificationChannel.email],
  channelsByType: {},
  inAppCopy: false,
};
// Tashkent is UTC+5 all year: 07:30 local.
const now = new Date('2031-01-10T02:30:00Z');
const provider: PlanParty = { id: 'p1', telegramChatId: null, email: 'p@example.test', phone: null, timezone: 'Asia/Tashkent' };
const booking = (id: string, endsAt: string) => ({ id, startsAt: new Date(new Date(endsAt).getTime() - HOUR), endsAt: new Date(endsAt), version: 3 });

describe(completionSlot.name, () => {
  it("is the provider's next local hour within the lead, and the one after it bounds what is due", () => {
    expect(completionSlot(HOURS, 'Asia/Tashkent', now)).toEqual({ at: new Date('2031-01-10T03:00:00Z'), nextAt: new Date('2031-01-10T09:00:00Z') });
    // 18:00 local: tomorrow's 08:00 comes next.
    expect(completionSlot(HOURS, 'Asia/Tashkent', new Date('2031-01-10T12:45:00Z'))).toEqual({
      at: new Date('2031-01-10T13:00:00Z'),
      nextAt: new Date('2031-01-11T03:00:00Z'),
    });
  });

  it('still takes a slot missed by less than the grace (a restart), never an older one, nor one far ahead', () => {
    const slot = new Date('2031-01-10T03:00:00Z');
    expect(completionSlot(HOURS, 'Asia/Tashkent', new Date(slot.getTime() + COMPLETION_GRACE_MS - 1))?.at).toEqual(slot);
    expect(completionSlot(HOURS, 'Asia/Tashkent', new Date(slot.getTime() + COMPLETION_GRACE_MS))).toBeNull();
    expect(completionSlot(HOURS, 'Asia/Tashkent', new Date('2031-01-10T00:00:00Z'))).toBeNull();
    expect(completionSlot([], 'Asia/Tashkent', now)).toBeNull();
  });

  it("reads the hours in the provider's own zone, across a DST change", () => {
    // New York, the day clocks go forward (8 March 2026): 08:00 local is 12:00Z (EDT).
    expect(completionSlot([8], 'America/New_York', new Date('2026-03-08T11:30:00Z'))?.at).toEqual(new Date('2026-03-08T12:00:00Z'));
  });
});

describe(planCompletionReminders.name, () => {
  it('reminds the provider of bookings ending before the next slot or overdue, once per booking, version and slot', () => {
    const rows = planCompletionReminders(
      [
        { booking: booking('overdue', '2031-01-09T12:00:00Z'), provider },
        { booking: booking('soon', '2031-01-10T08:59:00Z'), provider },
        { booking: booking('after-next-slot', '2031-01-10T09:00:00Z'), provider },
        { booking: booking('long-overdue', new Date(new Date('2031-01-10T03:00:00Z').getTime() - OVERDUE_REMINDED_MS - 1).toISOString()), provider },
      ],
      HOURS,
      settings,
      now,
    );
    expect(rows.map((row) => [row.bookingId, row.channel, row.status, row.dueAt.toISOString(), row.offsetSeconds])).toEqual([
      ['overdue', NotificationChannel.email, NotificationStatus.queued, '2031-01-10T03:00:00.000Z', -15 * 3600],
      ['soon', NotificationChannel.email, NotificationStatus.queued, '2031-01-10T03:00:00.000Z', 5 * 3600 + 59 * 60],
    ]);
    expect(rows[0]).toMatchObject({ type: NotificationType.provider_completion_reminder, recipientId: 'p1', bookingVersion: 3, dedupKey: 'overdue:provider_completion_reminder:-900:email:p1:v3' });
  });

  it('records a provider who opted out as skipped, so the history says why nothing came', () => {
    const optedOut = { ...provider, preferences: { channelsOff: [], optedOut: [NotificationType.provider_completion_reminder], optedIn: [], reminderSchedule: null, quietHours: null } };
    const [row] = planCompletionReminders([{ booking: booking('overdue', '2031-01-09T12:00:00Z'), provider: optedOut }], HOURS, settings, now);
    expect(row).toMatchObject({ status: NotificationStatus.skipped, reason: NotificationReason.opted_out });
  });
});
