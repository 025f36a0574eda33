import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Clock } from '../core/clock/clock';
import { HeraldConfig } from '../core/config/herald-config';
import { parseDuration } from '../core/config/duration';
import { pgArray, rawQuery } from '../core/database/raw-query';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { defaultReminderSchedule, formatBefore, ReminderChannel, ReminderEntry, userScheduleProblems } from '../notifications/reminder-schedule';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { UpdatePreferencesInput } from './dto/preferences.input';
import { ChannelOffCause, ChannelPreference, Preferences, ReminderEntryView } from './dto/preferences.output';
import { DEFAULT_PREFERENCES, isCritical, NOTIFICATION_CATEGORIES, NotificationCategory, RecipientPreferences, wantsType } from './preference-rules';
import { PreferencesError } from './preferences.error';
import { UserPreferences } from './user-preferences.entity';

/** What an email's unsubscribe link turns off. */
export type UnsubscribeScope = { email: true } | { type: NotificationType };

/**
 * The one way into users' preferences: planning and delivery load them for whole batches of
 * recipients in one query; the API reads and changes one user's.
 */
@Injectable()
export class PreferencesService {
  private readonly defaultSchedule: ReminderEntry[];

  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
    private readonly clock: Clock,
    config: HeraldConfig,
  ) {
    this.defaultSchedule = defaultReminderSchedule(config);
  }

  /** The preferences of every user named, in one query; users without a row get the defaults. */
  async forUsers(em: EntityManager, userIds: Iterable<string>): Promise<Map<string, RecipientPreferences>> {
    const ids = [...new Set(userIds)];
    const found = new Map<string, RecipientPreferences>(ids.map((id) => [id, DEFAULT_PREFERENCES]));
    if (ids.length === 0) return found;
    const rows = await rawQuery<PreferenceRow>(
      em,
      `select "user_id", "channels_off", "opted_out", "opted_in", "reminder_schedule", "quiet_hours_start", "quiet_hours_end"
         from "user_preferences" where "user_id" = any(?::uuid[])`,
      [pgArray(ids)],
    );
    for (const row of rows) found.set(row.user_id, recipientPreferencesOf(row));
    return found;
  }

  /** The user's preferences as the API shows them; NOT_FOUND for an unknown user. */
  async view(userId: string): Promise<Preferences> {
    const em = this.em.fork();
    const user = await em.findOne(User, { id: userId });
    if (!user) throw PreferencesError.userNotFound(userId);
    const stored = await em.findOne(UserPreferences, { user: userId });
    const preferences = stored ? recipientPreferencesOf(rowOf(stored)) : DEFAULT_PREFERENCES;
    return {
      userId,
      channels: Object.values(NotificationChannel).map((channel) => channelView(channel, preferences, user, stored?.emailUnsubscribedAt ?? null)),
      types: Object.values(NotificationType).map((type) => ({
        type,
        category: NOTIFICATION_CATEGORIES[type],
        critical: isCritical(type),
        enabled: wantsType(preferences, type),
      })),
      reminderSchedule: preferences.reminderSchedule?.map(entryView) ?? null,
      effectiveReminderSchedule: (preferences.reminderSchedule ?? this.defaultSchedule).map(entryView),
      quietHours: preferences.quietHours,
      locale: user.locale,
      timezone: user.timezone,
    };
  }

  /**
   * Checks a change and writes it in `em`'s transaction: critical types cannot be turned off,
   * a schedule must keep to the user limits. Language and time zone live on the user and are
   * changed through the users module, in the same transaction. Nothing is written when anything is refused.
   */
  async update(em: EntityManager, userId: string, input: UpdatePreferencesInput): Promise<void> {
    const critical = (input.types ?? []).filter((setting) => !setting.enabled && isCritical(setting.type)).map((setting) => setting.type);
    if (critical.length) throw PreferencesError.criticalType(critical);
    const schedule = input.reminderSchedule?.map((entry) => ({ beforeSeconds: parseDuration(entry.before) / 1000, channel: (entry.channel as ReminderChannel | undefined) ?? null }));
    const problems = schedule ? userScheduleProblems(schedule) : [];
    if (problems.length) throw PreferencesError.invalidReminderSchedule(problems);

    const stored = await this.storedFor(em, userId);
    for (const { channel, enabled } of input.channels ?? []) {
      stored.channelsOff = toggled(stored.channelsOff, channel, !enabled);
      if (channel === NotificationChannel.email && enabled) stored.emailUnsubscribedAt = null;
    }
    for (const { type, enabled } of input.types ?? []) {
      if (NOTIFICATION_CATEGORIES[type] === NotificationCategory.marketing) stored.optedIn = toggled(stored.optedIn, type, enabled);
      else stored.optedOut = toggled(stored.optedOut, type, !enabled);
    }
    if (input.reminderSchedule !== undefined) stored.reminderSchedule = schedule ?? null;
    if (input.quietHours !== undefined) {
      stored.quietHoursStart = input.quietHours?.start ?? null;
      stored.quietHoursEnd = input.quietHours?.end ?? null;
    }
    stored.updatedAt = this.clock.now();
    await em.flush();
    await this.users.setLanguageAndZone(em, userId, { locale: input.locale, timezone: input.timezone });
  }

  /** What an email's unsubscribe link asks for, written in `em`'s transaction: email off (recorded as by the link), or the type off. */
  async unsubscribe(em: EntityManager, userId: string, scope: UnsubscribeScope): Promise<void> {
    if ('type' in scope) {
      await this.update(em, userId, { types: [{ type: scope.type, enabled: false }] });
      return;
    }
    const stored = await this.storedFor(em, userId);
    if (stored.channelsOff.includes(NotificationChannel.email)) return;
    const now = this.clock.now();
    Object.assign(stored, { channelsOff: [...stored.channelsOff, NotificationChannel.email], emailUnsubscribedAt: now, updatedAt: now });
    await em.flush();
  }

  /**
   * The user's preferences row, created when missing and locked until `em`'s transaction ends,
   * so concurrent changes apply one after the other; NOT_FOUND for an unknown user.
   */
  private async storedFor(em: EntityManager, userId: string): Promise<UserPreferences> {
    if (!(await em.findOne(User, { id: userId }))) throw PreferencesError.userNotFound(userId);
    await rawQuery(em, `insert into "user_preferences" ("user_id", "updated_at") values (?, ?) on conflict do nothing`, [userId, this.clock.now()]);
    return em.findOneOrFail(UserPreferences, { user: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }
}

interface PreferenceRow {
  user_id: string;
  channels_off: NotificationChannel[];
  opted_out: NotificationType[];
  opted_in: NotificationType[];
  reminder_schedule: ReminderEntry[] | null;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
}

function rowOf(stored: UserPreferences): PreferenceRow {
  return {
    user_id: stored.user.id,
    channels_off: stored.channelsOff,
    opted_out: stored.optedOut,
    opted_in: stored.optedIn,
    reminder_schedule: stored.reminderSchedule,
    quiet_hours_start: stored.quietHoursStart,
    quiet_hours_end: stored.quietHoursEnd,
  };
}

function recipientPreferencesOf(row: PreferenceRow): RecipientPreferences {
  return {
    channelsOff: row.channels_off,
    optedOut: row.opted_out,
    optedIn: row.opted_in,
    reminderSchedule: row.reminder_schedule,
    quietHours: row.quiet_hours_start && row.quiet_hours_end ? { start: row.quiet_hours_start, end: row.quiet_hours_end } : null,
  };
}

/** A channel is on unless the user, an unsubscribe link, or the channel itself (SMS STOP, Telegram /stop) switched it off. */
function channelView(channel: NotificationChannel, preferences: RecipientPreferences, user: User, emailUnsubscribedAt: Date | null): ChannelPreference {
  const off = (offBy: ChannelOffCause, offSince: Date | null): ChannelPreference => ({ channel, enabled: false, offBy, offSince });
  if (preferences.channelsOff.includes(channel)) {
    return channel === NotificationChannel.email && emailUnsubscribedAt ? off(ChannelOffCause.unsubscribe_link, emailUnsubscribedAt) : off(ChannelOffCause.preferences, null);
  }
  if (channel === NotificationChannel.sms && user.smsOffAt) return off(ChannelOffCause.sms_stop, user.smsOffAt);
  if (channel === NotificationChannel.telegram && user.telegramOffAt) return off(ChannelOffCause.telegram_stop, user.telegramOffAt);
  return { channel, enabled: true, offBy: null, offSince: null };
}

const entryView = (entry: ReminderEntry): ReminderEntryView => ({
  before: formatBefore(entry.beforeSeconds),
  beforeSeconds: entry.beforeSeconds,
  channel: entry.channel,
});

/** `list` with `item` in it when `present`, without it otherwise. */
function toggled<T>(list: readonly T[], item: T, present: boolean): T[] {
  const without = list.filter((one) => one !== item);
  return present ? [...without, item] : without;
}
