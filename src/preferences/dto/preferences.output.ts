import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { NotificationChannel, NotificationType } from '../../notifications/notification.entity';
import { Locale } from '../../users/user.entity';
import { NotificationCategory } from '../preference-rules';

registerEnumType(NotificationCategory, { name: 'NotificationCategory', description: 'booking and staff: on unless opted out; marketing: only after an opt-in' });

/** Who or what switched a channel off. */
export enum ChannelOffCause {
  /** The user, in their preferences. */
  preferences = 'preferences',
  /** The one-click unsubscribe link of an email. */
  unsubscribe_link = 'unsubscribe_link',
  /** The carrier reported the number unsubscribed (the user replied STOP). */
  sms_stop = 'sms_stop',
  /** The user sent /stop to the bot or blocked it. */
  telegram_stop = 'telegram_stop',
}
registerEnumType(ChannelOffCause, { name: 'ChannelOffCause' });

@ObjectType()
export class ChannelPreference {
  @Field(() => NotificationChannel)
  channel: NotificationChannel;

  @Field()
  enabled: boolean;

  @Field(() => ChannelOffCause, { nullable: true })
  offBy: ChannelOffCause | null;

  @Field(() => Date, { nullable: true, description: 'When it was switched off, where known' })
  offSince: Date | null;
}

@ObjectType()
export class TypePreference {
  @Field(() => NotificationType)
  type: NotificationType;

  @Field(() => NotificationCategory)
  category: NotificationCategory;

  @Field({ description: 'Always sent, also in quiet hours' })
  critical: boolean;

  @Field()
  enabled: boolean;
}

@ObjectType()
export class ReminderEntryView {
  @Field({ description: 'How long before the start, e.g. "2d"' })
  before: string;

  @Field(() => Int)
  beforeSeconds: number;

  @Field(() => NotificationChannel, { nullable: true })
  channel: NotificationChannel | null;
}

@ObjectType()
export class QuietHoursView {
  @Field()
  start: string;

  @Field()
  end: string;
}

@ObjectType()
export class Preferences {
  @Field(() => ID)
  userId: string;

  @Field(() => [ChannelPreference])
  channels: ChannelPreference[];

  @Field(() => [TypePreference])
  types: TypePreference[];

  @Field(() => [ReminderEntryView], { nullable: true, description: 'Your own reminders; null: the default schedule' })
  reminderSchedule: ReminderEntryView[] | null;

  @Field(() => [ReminderEntryView], { description: 'The reminders your bookings get: yours, else the default' })
  effectiveReminderSchedule: ReminderEntryView[];

  @Field(() => QuietHoursView, { nullable: true })
  quietHours: QuietHoursView | null;

  @Field(() => Locale)
  locale: Locale;

  @Field({ description: 'IANA time zone; quiet hours are read in it' })
  timezone: string;
}
