import { Field, InputType, PartialType, PickType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsEmail, IsEnum, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Role } from '../../auth/role';
import { IsE164Phone, IsIanaTimezone } from '../../core/validation/validators';
import { Locale } from '../user.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const POSTAL_CODE = /^[A-Za-z0-9 -]{2,12}$/;
/** How many postal codes one provider may serve. */
export const POSTAL_CODES_MAX = 100;

@InputType()
export class CreateUserInput {
  @Field()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name: string;

  @Field()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail()
  @MaxLength(320)
  email: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsE164Phone()
  phone?: string | null;

  @Field(() => Locale, { nullable: true })
  @IsOptional()
  @IsEnum(Locale)
  locale?: Locale;

  @Field({ nullable: true })
  @IsOptional()
  @IsIanaTimezone()
  timezone?: string;

  @Field(() => [Role])
  @IsEnum(Role, { each: true })
  @ArrayMinSize(1)
  @ArrayUnique()
  roles: Role[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trim)
  @Matches(POSTAL_CODE, { message: 'postalCode must be 2-12 letters, digits, spaces or dashes' })
  postalCode?: string | null;

  @Field(() => [String], { nullable: true, description: `Providers only: the postal codes they serve (at most ${POSTAL_CODES_MAX}); replaces the list, null or [] clears it` })
  @IsOptional()
  // null clears the list, as an empty list does.
  @Transform(({ value }: { value: unknown }) => (value === null ? [] : Array.isArray(value) ? value.map((code) => (typeof code === 'string' ? code.trim() : code)) : value))
  @IsArray()
  @ArrayMaxSize(POSTAL_CODES_MAX)
  @ArrayUnique()
  @Matches(POSTAL_CODE, { each: true, message: 'each of postalCodes must be 2-12 letters, digits, spaces or dashes' })
  postalCodes?: string[];
}

/** What an admin may change on any user. */
@InputType()
export class UpdateUserInput extends PartialType(CreateUserInput) {}

/** What users may change on themselves: never their roles or email. */
@InputType()
export class UpdateMeInput extends PartialType(PickType(CreateUserInput, ['name', 'phone', 'locale', 'timezone', 'postalCode', 'postalCodes'] as const)) {}

@InputType()
export class UsersFilter {
  @Field(() => Role, { nullable: true })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;

  @Field({ nullable: true, description: 'Matches name or email, case-insensitive' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}
