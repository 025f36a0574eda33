import { SignJWT } from 'jose';
import { Role } from '../../src/auth/role';

/** The HS256 secret every bench deployment verifies tokens with (AUTH_JWT_SECRET). */
export const BENCH_JWT_SECRET = 'herald-bench-secret-long-enough-for-hs256';
const key = new TextEncoder().encode(BENCH_JWT_SECRET);

/** A bearer token as Herald's TokenService mints it: sub = user id, a roles claim, iss/aud "herald". */
export function signToken(userId: string, roles: readonly Role[]): Promise<string> {
  return new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer('herald')
    .setAudience('herald')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(key);
}
