import { ArgsType, Field, Int } from '@nestjs/graphql';
import { Transform, Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { PageInput } from '../../core/pagination/pagination';
import { IsLocalDate, LocalDateScalar } from '../local-date';
import { PostalCodeMetric } from '../postal-code-metric';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const POSTAL_CODE = /^[A-Za-z0-9 -]{2,12}$/;

@ArgsType()
export class PostalCodeAnalyticsArgs {
  @Field(() => String, { nullable: true, description: 'One postal code; omitted, all of them' })
  @IsOptional()
  @Transform(trim)
  @Matches(POSTAL_CODE, { message: 'postalCode must be 2-12 letters, digits, spaces or dashes' })
  postalCode?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'First date included' })
  @IsOptional()
  @IsLocalDate()
  from?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Last date included' })
  @IsOptional()
  @IsLocalDate()
  to?: string | null;

  @Field(() => PageInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PageInput)
  page?: PageInput | null;
}

@ArgsType()
export class PostalCodeRankingArgs {
  @Field(() => LocalDateScalar)
  @IsLocalDate()
  date: string;

  @Field(() => PostalCodeMetric)
  @IsEnum(PostalCodeMetric)
  metric: PostalCodeMetric;

  @Field(() => Int, { defaultValue: 10 })
  @IsInt()
  @Min(1)
  @Max(100)
  top: number = 10;

  @Field(() => String, { nullable: true, description: 'Required with metric revenue: the currency whose totals are ranked' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be three capital letters' })
  currency?: string | null;
}

@ArgsType()
export class RunPostalCodeAnalyticsArgs {
  @Field(() => LocalDateScalar)
  @IsLocalDate()
  date: string;
}
