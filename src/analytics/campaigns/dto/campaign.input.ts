import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsUUID, Max, Min, registerDecorator, ValidateNested } from 'class-validator';
import { PageInput } from '../../../core/pagination/pagination';
import { IsIanaTimezone } from '../../../core/validation/validators';
import { IsLocalDate, LocalDateScalar } from '../../local-date';
import { scheduleProblem } from '../campaign-rules';

/** A cron expression of five fields that cron-parser reads. */
function IsCronSchedule(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCronSchedule',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && scheduleProblem(value) === null,
        defaultMessage: (args) => `schedule ${typeof args?.value === 'string' ? scheduleProblem(args.value) : 'must be a cron expression'}, like "0 9 * * *"`,
      },
    });
}

/** A threshold: a whole number of bookings or providers; null switches the condition off. */
const Threshold = (description: string) => (target: object, property: string) => {
  Field(() => Int, { nullable: true, description })(target, property);
  IsOptional()(target, property);
  IsInt()(target, property);
  Min(0)(target, property);
  Max(100_000)(target, property);
};

@InputType({ description: 'What to change of a campaign; fields left out stay as they are' })
export class UpdateCampaignInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @Field({ nullable: true, description: 'A cron expression (minute hour day-of-month month day-of-week), read in `timezone`' })
  @IsOptional()
  @IsCronSchedule()
  schedule?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsIanaTimezone()
  timezone?: string;

  @Threshold('high_demand, provider_bonus: more bookings than this')
  bookingsOver?: number | null;

  @Threshold('high_demand: more bookings per available provider than this')
  perProviderOver?: number | null;

  @Threshold('provider_bonus: fewer available providers than this')
  providersUnder?: number | null;

  @Threshold('low_activity: fewer bookings than this')
  bookingsUnder?: number | null;

  @Field(() => Int, { nullable: true, description: 'The bonus or discount, percent' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  percent?: number | null;
}

@ArgsType()
export class PreviewCampaignArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => LocalDateScalar, { nullable: true, description: "The run's day; omitted, today in the campaign's zone" })
  @IsOptional()
  @IsLocalDate()
  date?: string | null;
}

@ArgsType()
export class CampaignRunsArgs {
  @Field(() => ID, { nullable: true, description: 'One campaign; omitted, all of them' })
  @IsOptional()
  @IsUUID()
  campaignId?: string | null;

  @Field(() => PageInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PageInput)
  page?: PageInput | null;
}
