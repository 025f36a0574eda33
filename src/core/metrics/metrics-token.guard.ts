import { CanActivate, ExecutionContext, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from '../../auth/token.service';
import { HeraldConfig } from '../config/herald-config';

/** Same-length digests, so the comparison takes the same time whatever the token's length or content. */
const digest = (token: string) => createHash('sha256').update(token).digest();

/** /metrics answers only to `Authorization: Bearer <METRICS_TOKEN>`, and does not exist without that setting. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: HeraldConfig) {
    if (config.METRICS_TOKEN) this.expected = digest(config.METRICS_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new NotFoundException();
    const given = bearerToken(context.switchToHttp().getRequest<Request>().headers.authorization);
    if (!given || !timingSafeEqual(digest(given), this.expected)) throw new UnauthorizedException('A valid metrics token is required');
    return true;
  }
}
