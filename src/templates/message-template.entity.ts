import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { BaseEntity } from '../core/database/base.entity';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { Locale, User } from '../users/user.entity';
import { TemplateFormat } from './engine/template-format';

registerEnumType(TemplateFormat, { name: 'TemplateFormat' });

/**
 * One version of a template override: the words of one notification type on one channel in
 * one language, for everyone (no provider) or for the messages about one provider's bookings.
 * Versions are never edited: saving writes the next version, and one version per scope is
 * active (the unique indexes live in the migration, raw SQL: they treat "no provider" as one scope).
 */
@ObjectType()
@Entity({ tableName: 'message_templates' })
@Index({ properties: ['type', 'channel', 'locale'] })
export class MessageTemplate extends BaseEntity<'provider' | 'subject' | 'active' | 'changedBy'> {
  @Field(() => ID)
  declare id: string;

  @Field(() => NotificationType)
  @Enum({ items: () => NotificationType })
  type: NotificationType;

  @Field(() => NotificationChannel)
  @Enum({ items: () => NotificationChannel })
  channel: NotificationChannel;

  @Field(() => Locale)
  @Enum({ items: () => Locale })
  locale: Locale;

  /** Null: everyone's. */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'cascade' })
  provider: User | null = null;

  @Field(() => Int, { description: '1 for the first saved version of a scope, then one more per save' })
  @Property({ type: 'integer' })
  version: number;

  @Field(() => String, { nullable: true, description: 'Liquid; the email subject and in-app title. Null keeps the shipped subject' })
  @Property({ type: 'text', nullable: true })
  subject: string | null = null;

  @Field({ description: 'Liquid' })
  @Property({ type: 'text' })
  body: string;

  @Field(() => TemplateFormat)
  @Enum({ items: () => TemplateFormat })
  format: TemplateFormat;

  @Field({ description: 'The version messages use now' })
  @Property({ type: 'boolean' })
  active: boolean = false;

  /** Who saved this version. */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  changedBy: User | null = null;

  @Field({ description: 'When this version was saved' })
  declare createdAt: Date;
}
