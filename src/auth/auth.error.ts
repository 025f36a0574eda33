import { ErrorKind, HeraldError } from '../core/errors/herald-error';

export enum AuthErrorReason {
  MissingToken = 'MISSING_TOKEN',
  InvalidToken = 'INVALID_TOKEN',
  RoleRequired = 'ROLE_REQUIRED',
  NoAccessRule = 'NO_ACCESS_RULE',
  MintingUnavailable = 'MINTING_UNAVAILABLE',
}

export class AuthError extends HeraldError {
  static missingToken() {
    return new AuthError(ErrorKind.Unauthenticated, AuthErrorReason.MissingToken, 'A bearer token is required');
  }

  static invalidToken(why: string) {
    return new AuthError(ErrorKind.Unauthenticated, AuthErrorReason.InvalidToken, `The bearer token is not valid: ${why}`);
  }

  static roleRequired(roles: readonly string[]) {
    return new AuthError(ErrorKind.Forbidden, AuthErrorReason.RoleRequired, `This operation needs one of the roles: ${roles.join(', ')}`, {
      requiredRoles: roles,
    });
  }

  /** Raised for an operation that declares no access rule: closed by default. */
  static noAccessRule(operation: string) {
    return new AuthError(ErrorKind.Forbidden, AuthErrorReason.NoAccessRule, `${operation} declares no access rule`);
  }

  static mintingUnavailable() {
    return new AuthError(ErrorKind.Forbidden, AuthErrorReason.MintingUnavailable, 'Tokens can only be minted with AUTH_JWT_SECRET (HS256)');
  }
}
