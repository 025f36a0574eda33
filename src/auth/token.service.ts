import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { HeraldConfig } from '../core/config/herald-config';
import { AuthError } from './auth.error';
import { AuthUser, Role } from './role';

const KNOWN_ROLES = new Set<string>(Object.values(Role));

/** Verifies bearer tokens (HS256 secret or a JWKS) and mints HS256 tokens for development. */
@Injectable()
export class TokenService {
  private readonly secret?: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: HeraldConfig) {
    if (config.AUTH_JWKS_URL) this.jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
    else if (config.AUTH_JWT_SECRET) this.secret = new TextEncoder().encode(config.AUTH_JWT_SECRET);
  }

  async verify(token: string): Promise<AuthUser> {
    let payload: JWTPayload;
    try {
      // A token without an expiry would be valid forever; the algorithm is pinned, never taken from the token alone.
      const options = { issuer: this.config.AUTH_JWT_ISSUER, audience: this.config.AUTH_JWT_AUDIENCE, requiredClaims: ['exp'] };
      payload = this.jwks
        ? (await jwtVerify(token, this.jwks, { ...options, algorithms: this.config.jwksAlgorithms })).payload
        : (await jwtVerify(token, this.secret!, { ...options, algorithms: ['HS256'] })).payload;
    } catch (error) {
      const why = error instanceof joseErrors.JWTExpired ? 'expired' : error instanceof joseErrors.JOSEError ? error.code : 'malformed';
      throw AuthError.invalidToken(why);
    }
    if (!payload.sub) throw AuthError.invalidToken('no subject');
    const claimed = Array.isArray(payload.roles) ? payload.roles : [];
    const roles = claimed.filter((role): role is Role => typeof role === 'string' && KNOWN_ROLES.has(role));
    return new AuthUser(payload.sub, roles);
  }

  async mint(user: { id: string; roles: readonly Role[] }, ttl = this.config.AUTH_TOKEN_TTL): Promise<string> {
    if (!this.secret) throw AuthError.mintingUnavailable();
    return new SignJWT({ roles: [...user.roles] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(this.config.AUTH_JWT_ISSUER)
      .setAudience(this.config.AUTH_JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(this.secret);
  }
}

/** Accepts "Bearer x", a bare token, or nothing. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return (match ? match[1] : header).trim();
}
