import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import { AuthError } from './auth.error';
import { ACCESS_RULE, AccessRule } from './access.decorators';
import { AuthUser } from './role';
import { TokenService } from './token.service';

/** What every GraphQL operation carries: the raw bearer token, and the caller once verified. */
export interface RequestAuth {
  token?: string;
  user?: AuthUser;
}

/**
 * The caller of an operation, verified once and left on its context for whoever asks next (the
 * throttle, idempotency keys, this guard); undefined without a token or with one that does not verify.
 */
export async function verifiedCaller(tokens: TokenService, auth: RequestAuth): Promise<AuthUser | undefined> {
  if (!auth.user && auth.token) auth.user = await tokens.verify(auth.token).catch(() => undefined);
  return auth.user;
}

/**
 * Global guard: every operation must declare an access rule; without one it is refused.
 * Runs for HTTP controllers too, where only `@Public()` handlers exist.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (!rule) throw AuthError.noAccessRule(`${context.getClass().name}.${context.getHandler().name}`);
    if ('public' in rule) return true;
    if (context.getType<GqlContextType>() !== 'graphql') throw AuthError.missingToken();

    const auth = GqlExecutionContext.create(context).getContext<RequestAuth>();
    if (!auth.user) {
      if (!auth.token) throw AuthError.missingToken();
      auth.user = await this.tokens.verify(auth.token);
    }
    if (!auth.user.has(...rule.roles)) throw AuthError.roleRequired(rule.roles);
    return true;
  }
}
