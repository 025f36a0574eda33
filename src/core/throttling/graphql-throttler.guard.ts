import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import { InjectThrottlerOptions, InjectThrottlerStorage, normalizeIp, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { RequestAuth, verifiedCaller } from '../../auth/auth.guard';
import { TokenService } from '../../auth/token.service';
import { ThrottlingError } from './throttling.error';

/** The GraphQL context with the `req` Nest adds: Express's request over HTTP, graphql-ws's context over WebSocket. */
interface ThrottledContext extends RequestAuth {
  req?: Request | { extra: { request: IncomingMessage } };
}

const throttledContext = (context: ExecutionContext) => GqlExecutionContext.create(context).getContext<ThrottledContext>();

const httpRequest = (auth: ThrottledContext): Request | undefined => (auth.req && !('extra' in auth.req) ? auth.req : undefined);

function clientAddress(auth: ThrottledContext): string {
  const address = auth.req && 'extra' in auth.req ? auth.req.extra.request.socket.remoteAddress : auth.req?.ip;
  return address ? normalizeIp(address) : 'unknown';
}

/** Signed-in callers are counted by token subject, the others by client address. */
export function throttleTracker(context: ExecutionContext): string {
  const auth = throttledContext(context);
  return auth.user ? `user:${auth.user.id}` : `ip:${clientAddress(auth)}`;
}

export const isSignedIn = (context: ExecutionContext): boolean => !!throttledContext(context).user;

/**
 * Limits GraphQL operations per caller, over HTTP and graphql-ws subscription starts alike. It runs
 * before the auth guard, so callers that guard refuses are counted too; a valid token it verifies
 * is left on the context for the auth guard. One operation counts once, whatever its root fields.
 * HTTP routes (health, metrics, callbacks, the unsubscribe link) are not limited here (README, Limits).
 */
@Injectable()
export class GraphQLThrottlerGuard extends ThrottlerGuard {
  private readonly verdicts = new WeakMap<object, Promise<boolean>>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly tokens: TokenService,
  ) {
    super(options, storage, reflector);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<GqlContextType>() !== 'graphql') return Promise.resolve(true);
    const auth = throttledContext(context);
    let verdict = this.verdicts.get(auth);
    if (!verdict) {
      // An invalid token counts as no token here; the auth guard then refuses it with its own error.
      verdict = verifiedCaller(this.tokens, auth).then(() => super.canActivate(context));
      this.verdicts.set(auth, verdict);
    }
    return verdict;
  }

  protected override getRequestResponse(context: ExecutionContext) {
    const request = httpRequest(throttledContext(context));
    // Over WebSocket there are no response headers to set: an empty object makes the base class skip them.
    return { req: request ?? {}, res: request?.res ?? {} };
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new ThrottlingError(detail.timeToBlockExpire);
  }
}
