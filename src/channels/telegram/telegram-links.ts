import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Clock } from '../../core/clock/clock';
import { parseDuration } from '../../core/config/duration';
import { HeraldConfig } from '../../core/config/herald-config';
import { User } from '../../users/user.entity';
import { TelegramChannelError } from './telegram.error';

const DAY = 86_400_000;
/** Runs of one link: a concurrent link of the same chat makes the index refuse one, rarely twice. */
const LINK_ATTEMPTS = 3;

export const hashLinkToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Which Telegram chat belongs to which user: one-time deep-link tokens (only their SHA-256 is
 * stored), linking, and the on/off switch (/stop, blocked bot). A chat belongs to one user at a
 * time: linking it to someone takes it from whoever had it.
 */
@Injectable()
export class TelegramLinks {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
  ) {}

  /** A fresh `https://t.me/<bot>?start=<token>` for the user, valid once for TELEGRAM_LINK_TTL. */
  async createLink(userId: string): Promise<string> {
    const username = this.config.TELEGRAM_BOT_USERNAME;
    if (!this.config.TELEGRAM_BOT_TOKEN || !username) throw TelegramChannelError.notConfigured();
    // 24 random bytes: 32 base64url characters, within a start parameter's 64 of [A-Za-z0-9_-].
    const token = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    const connection = this.em.getConnection();
    await connection.execute(`delete from "telegram_link_tokens" where "expires_at" < ?`, [new Date(now.getTime() - DAY)]);
    await connection.execute(
      `insert into "telegram_link_tokens" ("token_hash", "user_id", "expires_at", "created_at") values (?, ?, ?, ?)`,
      [hashLinkToken(token), userId, new Date(now.getTime() + parseDuration(this.config.TELEGRAM_LINK_TTL)), now],
    );
    return `https://t.me/${username}?start=${token}`;
  }

  /**
   * Spends the token (one conditional UPDATE: unused and unexpired, so it works once) and links
   * the chat to its user, turning Telegram back on; whoever held the chat before loses it. The
   * unique index on the chat decides between links of one chat at the same moment: the one it
   * refuses is rolled back (its token unspent) and runs again, now taking the chat from the
   * other. Null when the token is unknown, used or expired.
   */
  async redeem(token: string, chatId: string): Promise<User | null> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(token)) return null;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.link(token, chatId);
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || attempt >= LINK_ATTEMPTS) throw error;
      }
    }
  }

  /** One run of `redeem`, in a transaction of its own. */
  private link(token: string, chatId: string): Promise<User | null> {
    const now = this.clock.now();
    return this.em.fork().transactional(async (tx) => {
      const rows = await tx.execute<{ user_id: string }[]>(
        `update "telegram_link_tokens" set "used_at" = ?
          where "token_hash" = ? and "used_at" is null and "expires_at" > ?
          returning "user_id"`,
        [now, hashLinkToken(token), now],
      );
      if (rows.length === 0) return null;
      const userId = rows[0].user_id;
      await tx.nativeUpdate(User, { telegramChatId: chatId, id: { $ne: userId } }, { telegramChatId: null, updatedAt: now });
      await tx.nativeUpdate(User, { id: userId }, { telegramChatId: chatId, telegramOffAt: null, updatedAt: now });
      return tx.findOne(User, { id: userId }, { refresh: true });
    });
  }

  /** The user this chat is linked to, or null. */
  userOfChat(chatId: string): Promise<User | null> {
    return this.em.fork().findOne(User, { telegramChatId: chatId });
  }

  /** /stop: no more Telegram messages for the chat's user. Null when the chat is not linked. */
  async turnOff(chatId: string): Promise<User | null> {
    const em = this.em.fork();
    const user = await em.findOne(User, { telegramChatId: chatId });
    if (!user) return null;
    user.telegramOffAt ??= this.clock.now();
    await em.flush();
    return user;
  }

  /** /start in a linked chat: messages back on. */
  async turnOn(user: User): Promise<void> {
    await this.em.fork().nativeUpdate(User, { id: user.id, telegramOffAt: { $ne: null } }, { telegramOffAt: null, updatedAt: this.clock.now() });
  }

  /** The bot was blocked or the account deactivated: Telegram off for the user, if still on that chat. */
  async markUnreachable(userId: string, chatId: string): Promise<void> {
    const now = this.clock.now();
    await this.em.fork().nativeUpdate(User, { id: userId, telegramChatId: chatId, telegramOffAt: null }, { telegramOffAt: now, updatedAt: now });
  }
}
