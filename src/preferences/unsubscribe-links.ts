import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUUID } from 'class-validator';
import { HeraldConfig } from '../core/config/herald-config';
import { NotificationType } from '../notifications/notification.entity';

/** Herald's own one-click unsubscribe endpoint (RFC 8058). */
export const UNSUBSCRIBE_PATH = '/email/unsubscribe';

/** Whose email of which type a link unsubscribes from. */
export interface UnsubscribeTarget {
  userId: string;
  type: NotificationType;
}

const TYPES: readonly string[] = Object.values(NotificationType);

/**
 * Signed unsubscribe links: the token names the user and the type of the email it came in and
 * carries an HMAC of them, so nobody can unsubscribe someone else by guessing an id.
 */
@Injectable()
export class UnsubscribeLinks {
  private readonly key: Buffer | null;

  constructor(private readonly config: HeraldConfig) {
    const secret = config.EMAIL_UNSUBSCRIBE_SECRET ?? config.AUTH_JWT_SECRET;
    // A key of its own, so an unsubscribe token can never pass for anything signed with the JWT secret.
    this.key = secret ? createHmac('sha256', secret).update('herald:email-unsubscribe').digest() : null;
  }

  /**
   * The List-Unsubscribe target for an email of `type` to `userId`: EMAIL_UNSUBSCRIBE_URL with
   * `{token}` filled in (`{notificationId}` is left for the email to fill), else Herald's own
   * endpoint under PUBLIC_BASE_URL; none without either, or without a key to sign with.
   */
  urlFor(target: UnsubscribeTarget): string | undefined {
    const template = this.config.EMAIL_UNSUBSCRIBE_URL ?? (this.config.PUBLIC_BASE_URL ? `${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}${UNSUBSCRIBE_PATH}?token={token}` : undefined);
    if (!template || !template.includes('{token}')) return template;
    return this.key ? template.replace(/\{token\}/g, this.tokenFor(target)) : undefined;
  }

  tokenFor({ userId, type }: UnsubscribeTarget): string {
    const payload = `${userId}.${type}`;
    return `${payload}.${this.sign(payload)}`;
  }

  /** The target a token names, or null when it is malformed or its signature is wrong. */
  read(token: string): UnsubscribeTarget | null {
    const [userId, type, signature, ...rest] = token.split('.');
    if (!this.key || rest.length || !signature || !isUUID(userId) || !TYPES.includes(type)) return null;
    const expected = Buffer.from(this.sign(`${userId}.${type}`));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { userId, type: type as NotificationType } : null;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key!).update(payload).digest('base64url');
  }
}
