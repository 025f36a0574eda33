import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../../users/user.entity';

/** A one-time token behind a t.me deep link; only its SHA-256 is stored. */
@Entity({ tableName: 'telegram_link_tokens' })
export class TelegramLinkToken {
  @PrimaryKey({ type: 'text' })
  tokenHash: string;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'timestamptz' })
  expiresAt: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
