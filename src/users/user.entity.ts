import { BigIntType, Entity, Enum, Index, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Role } from '../auth/role';
import { BaseEntity } from '../core/database/base.entity';
import { privateUserField } from './user-field-access';

export enum Locale {
  uz = 'uz',
  ru = 'ru',
  en = 'en',
}
registerEnumType(Locale, { name: 'Locale' });

@ObjectType()
@Entity({ tableName: 'users' })
export class User extends BaseEntity<'phone' | 'postalCode' | 'postalCodes' | 'telegramChatId' | 'locale' | 'timezone' | 'telegramLinked' | 'telegramOffAt' | 'smsOffAt'> {
  @Field(() => ID)
  declare id: string;

  @Field()
  @Property({ type: 'text' })
  name: string;

  @Field({ middleware: [privateUserField] })
  @Unique()
  @Property({ type: 'text' })
  email: string;

  @Field(() => String, { nullable: true, description: 'E.164, e.g. +998901234567', middleware: [privateUserField] })
  @Property({ type: 'text', nullable: true })
  phone: string | null = null;

  @Field(() => Locale)
  @Enum({ items: () => Locale })
  locale: Locale = Locale.en;

  @Field({ description: 'IANA time zone, e.g. Asia/Tashkent' })
  @Property({ type: 'text' })
  timezone: string = 'UTC';

  @Field(() => [Role], { middleware: [privateUserField] })
  @Enum({ items: () => Role, array: true })
  roles: Role[];

  @Field(() => String, { nullable: true, middleware: [privateUserField] })
  @Index()
  @Property({ type: 'text', nullable: true })
  postalCode: string | null = null;

  /** For providers: the postal codes they serve, so analytics can count the providers available in an area. */
  @Field(() => [String], { description: 'Postal codes a provider serves; empty for everyone else' })
  @Property({ type: 'text[]', default: '{}' })
  postalCodes: string[] = [];

  /** Filled by the Telegram bot when the user links their chat; never exposed. A chat belongs to one user. */
  @Unique({
    name: 'users_telegram_chat_id_unique',
    expression: 'create unique index "users_telegram_chat_id_unique" on "users" ("telegram_chat_id") where "telegram_chat_id" is not null',
  })
  @Property({ type: new BigIntType('string'), nullable: true })
  telegramChatId: string | null = null;

  @Field(() => Boolean, { description: 'Whether a Telegram chat is linked to this user', middleware: [privateUserField] })
  get telegramLinked(): boolean {
    return this.telegramChatId !== null;
  }

  /** Telegram turned off: the user sent /stop or blocked the bot. Linking again turns it back on. */
  @Field(() => Date, { nullable: true, middleware: [privateUserField] })
  @Property({ type: 'timestamptz', nullable: true })
  telegramOffAt: Date | null = null;

  /** SMS turned off: the carrier reported the number unsubscribed (Twilio 21610). */
  @Field(() => Date, { nullable: true, middleware: [privateUserField] })
  @Property({ type: 'timestamptz', nullable: true })
  smsOffAt: Date | null = null;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;
}
