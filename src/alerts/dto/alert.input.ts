import { Field, InputType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { AlertSeverity, AlertStatus, AlertType } from '../business-alert.entity';

@InputType()
export class AlertsFilter {
  @Field(() => [AlertStatus], { nullable: true })
  @IsOptional()
  @IsEnum(AlertStatus, { each: true })
  status?: AlertStatus[];

  @Field(() => [AlertSeverity], { nullable: true })
  @IsOptional()
  @IsEnum(AlertSeverity, { each: true })
  severity?: AlertSeverity[];

  @Field(() => [AlertType], { nullable: true })
  @IsOptional()
  @IsEnum(AlertType, { each: true })
  type?: AlertType[];

  @Field({ nullable: true })
  @IsOptional()
  @IsUUID()
  assigneeId?: string;
}

@InputType()
export class RaiseAlertInput {
  @Field(() => AlertSeverity)
  @IsEnum(AlertSeverity)
  severity: AlertSeverity;

  @Field()
  @IsString()
  @Length(1, 200)
  title: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string;
}
