import { Field, ID, InputType } from '@nestjs/graphql';
import { IsBoolean, IsDate, IsEnum, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { NotificationChannel, NotificationStatus, NotificationType } from '../notification.entity';

@InputType()
export class NotificationsFilter {
  @Field(() => [NotificationStatus], { nullable: true })
  @IsOptional()
  @IsEnum(NotificationStatus, { each: true })
  status?: NotificationStatus[];

  @Field(() => [NotificationChannel], { nullable: true })
  @IsOptional()
  @IsEnum(NotificationChannel, { each: true })
  channel?: NotificationChannel[];

  @Field(() => [NotificationType], { nullable: true })
  @IsOptional()
  @IsEnum(NotificationType, { each: true })
  type?: NotificationType[];

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  recipientId?: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  bookingId?: string;

  @Field({ nullable: true, description: "Part of the recipient's name, email or phone, any case" })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  recipientSearch?: string;

  @Field({ nullable: true, description: 'Due at or after (inclusive)' })
  @IsOptional()
  @IsDate()
  dueFrom?: Date;

  @Field({ nullable: true, description: 'Due before (exclusive)' })
  @IsOptional()
  @IsDate()
  dueTo?: Date;
}

@InputType()
export class InboxFilter {
  @Field({ nullable: true, defaultValue: false })
  @IsOptional()
  @IsBoolean()
  unreadOnly?: boolean;
}
