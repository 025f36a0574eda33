import { Field, ID, InputType, IntersectionType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateNested } from 'class-validator';
import { NotificationChannel, NotificationType } from '../../notifications/notification.entity';
import { Locale } from '../../users/user.entity';
import { TemplateFormat } from '../engine/template-format';

/** Longest template body Herald stores: far more than any message needs, small enough to render fast. */
export const MAX_TEMPLATE_BODY = 20_000;

@InputType({ description: 'A template to try or to save: Liquid, in strict mode' })
export class TemplateDraftInput {
  @Field(() => String, { nullable: true, description: 'Null keeps the shipped subject' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string | null;

  @Field()
  @IsString()
  @Length(1, MAX_TEMPLATE_BODY)
  body: string;

  @Field(() => TemplateFormat)
  @IsEnum(TemplateFormat)
  format: TemplateFormat;
}

/** Which template: a notification type, on a channel, in a language. */
@InputType({ isAbstract: true })
export class TemplateKeyInput {
  @Field(() => NotificationType)
  @IsEnum(NotificationType)
  type: NotificationType;

  @Field(() => NotificationChannel)
  @IsEnum(NotificationChannel)
  channel: NotificationChannel;

  @Field(() => Locale)
  @IsEnum(Locale)
  locale: Locale;
}

@InputType()
export class UpsertTemplateInput extends IntersectionType(TemplateKeyInput, TemplateDraftInput) {
  @Field(() => ID, { nullable: true, description: "The provider whose bookings' messages it words; omitted: everyone's (admins), or the calling provider's own" })
  @IsOptional()
  @IsUUID()
  providerId?: string | null;

  @Field({ nullable: true, defaultValue: true, description: 'Make the new version the one messages use now' })
  @IsOptional()
  @IsBoolean()
  activate?: boolean;
}

@InputType()
export class TemplatesFilter {
  @Field(() => NotificationType, { nullable: true })
  @IsOptional()
  @IsEnum(NotificationType)
  type?: NotificationType | null;

  @Field(() => NotificationChannel, { nullable: true })
  @IsOptional()
  @IsEnum(NotificationChannel)
  channel?: NotificationChannel | null;

  @Field(() => Locale, { nullable: true })
  @IsOptional()
  @IsEnum(Locale)
  locale?: Locale | null;

  @Field(() => ID, { nullable: true, description: "Only this provider's versions" })
  @IsOptional()
  @IsUUID()
  providerId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only the versions messages use now' })
  @IsOptional()
  @IsBoolean()
  activeOnly?: boolean | null;
}

@InputType()
export class PreviewTemplateInput extends TemplateKeyInput {
  @Field(() => ID, { nullable: true, description: 'A booking you may see, rendered as its message would be; omitted: a sample booking' })
  @IsOptional()
  @IsUUID()
  bookingId?: string | null;

  @Field(() => TemplateDraftInput, { nullable: true, description: 'Render this instead of the template the message would use' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TemplateDraftInput)
  draft?: TemplateDraftInput | null;
}
