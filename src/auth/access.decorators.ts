import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Extensions, GqlExecutionContext } from '@nestjs/graphql';
import { AuthUser, Role } from './role';

export const ACCESS_RULE = 'herald:access';
export type AccessRule = { public: true } | { roles: Role[] };

/**
 * Who may call an operation. The rule is also written into the schema's field extensions,
 * where the access test reads it for every root field.
 */
export const Roles = (...roles: Role[]) => {
  const rule: AccessRule = { roles };
  return applyDecorators(SetMetadata(ACCESS_RULE, rule), Extensions({ access: rule }));
};

/** Open to anyone, signed in or not. Use only where that is truly intended. */
export const Public = () => {
  const rule: AccessRule = { public: true };
  return applyDecorators(SetMetadata(ACCESS_RULE, rule), Extensions({ access: rule }));
};

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const gqlContext = GqlExecutionContext.create(context).getContext<{ user?: AuthUser }>();
  const user = gqlContext.user;
  if (!user) throw new Error('CurrentUser used on an operation without an authenticated caller');
  return user;
});
