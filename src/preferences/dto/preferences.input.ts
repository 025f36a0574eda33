import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsBoolean, IsEnum, IsIn, IsOptional, Matches, ValidateNested } from 'class-validator';
import { WHOLE_SECONDS_DURATION } from '../../core/config/duration';
import { IsIanaTimezone } from '../../core/validation/validators';
import { NotificationChannel, NotificationType } from '../../notifications/notification.entity';
import { REMINDER_CHANNELS, USER_REMINDER_LIMITS } from '../../notifications/reminder-schedule';
import { Locale } from '../../users/user.entity';
import { LOCAL_TIME } from '../preference-rules';

@InputType()
export class ChannelSettingInput {
  @Field(() => NotificationChannel)
  @IsEnum(NotificationChannel)
  channel: NotificationChannel;

  @Field()
  @IsBoolean()
  enabled: boolean;
}

@InputType()
export class TypeSettingInput {
  @Field(() => NotificationType)
  @IsEnum(NotificationType)
  type: NotificationType;

  @Field()
  @IsBoolean()
  enabled: boolean;
}

@InputType()
export class ReminderEntryInput {
  @Field({ description: 'How long before the start, in whole seconds: "2d", "90m", "2h"' })
  @Matches(WHOLE_SECONDS_DURATION, { message: 'before must be a duration in whole seconds like 2d, 90m or 2h' })
  before: string;

  @Field(() => NotificationChannel, { nullable: true, description: "Tried first; without it the type's channel order" })
  @IsOptional()
  @IsIn(REMINDER_CHANNELS, { message: `channel must be one of ${REMINDER_CHANNELS.join(', ')}` })
  channel?: NotificationChannel | null;
}

@InputType()
export class QuietHoursInput {
  @Field({ description: 'Local "HH:mm" in your time zone' })
  @Matches(LOCAL_TIME, { message: 'start must be a local time "HH:mm"' })
  start: string;

  @Field({ description: 'Local "HH:mm"; before start means past midnight' })
  @Matches(LOCAL_TIME, { message: 'end must be a local time "HH:mm"' })
  end: string;
}

/** Omitted fields stay as they are; `reminderSchedule: null` goes back to the default, `quietHours: null` turns them off. */
@InputType()
export class UpdatePreferencesInput {
  @Field(() => [ChannelSettingInput], { nullable: true })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => ChannelSettingInput)
  @ArrayUnique((setting: ChannelSettingInput) => setting.channel, { message: 'channels must name each channel once' })
  channels?: ChannelSettingInput[] | null;

  @Field(() => [TypeSettingInput], { nullable: true })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => TypeSettingInput)
  @ArrayUnique((setting: TypeSettingInput) => setting.type, { message: 'types must name each type once' })
  types?: TypeSettingInput[] | null;

  @Field(() => [ReminderEntryInput], { nullable: true, description: 'Replaces your reminders; null: the default schedule' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => ReminderEntryInput)
  @ArrayMaxSize(USER_REMINDER_LIMITS.maxEntries)
  reminderSchedule?: ReminderEntryInput[] | null;

  @Field(() => QuietHoursInput, { nullable: true, description: 'null turns quiet hours off' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursInput)
  quietHours?: QuietHoursInput | null;

  @Field(() => Locale, { nullable: true })
  @IsOptional()
  @IsEnum(Locale)
  locale?: Locale;

  @Field({ nullable: true, description: 'IANA time zone, e.g. America/New_York' })
  @IsOptional()
  @IsIanaTimezone()
  timezone?: string;
}
