import { SignJWT } from 'jose';
import { loadConfig } from '../core/config/herald-config';
import { AuthError } from './auth.error';
import { Role } from './role';
import { bearerToken, TokenService } from './token.service';

const SECRET = 'a-secret-that-is-at-least-32-characters';

describe(TokenService.name, () => {
  const sut = new TokenService(loadConfig({ AUTH_JWT_SECRET: SECRET }));

  it('verifies what it minted', async () => {
    const token = await sut.mint({ id: 'user-1', roles: [Role.provider, Role.customer] });
    const user = await sut.verify(token);
    expect(user.id).toBe('user-1');
    expect(user.roles).toEqual([Role.provider, Role.customer]);
    expect(user.has(Role.provider)).toBe(true);
    expect(user.has(Role.ops)).toBe(false);
  });

  it('treats admin as holding every role', async () => {
    const admin = await sut.verify(await sut.mint({ id: 'a', roles: [Role.admin] }));
    expect(admin.has(Role.finance)).toBe(true);
    expect(admin.seesEverything).toBe(true);
  });

  it('drops roles it does not know', async () => {
    const key = new TextEncoder().encode(SECRET);
    const token = await new SignJWT({ roles: ['customer', 'superuser'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer('herald')
      .setAudience('herald')
      .setExpirationTime('1h')
      .sign(key);
    expect((await sut.verify(token)).roles).toEqual([Role.customer]);
  });

  it.each([
    ['signed with another secret', () => new TokenService(loadConfig({ AUTH_JWT_SECRET: 'another-secret-of-at-least-32-chars!!' })).mint({ id: 'u', roles: [] })],
    ['expired', () => sut.mint({ id: 'u', roles: [] }, '-1s' as string)],
    ['garbage', async () => 'not.a.jwt'],
  ])('rejects a token %s as UNAUTHENTICATED', async (_case, makeToken) => {
    const token = await makeToken();
    await expect(sut.verify(token)).rejects.toMatchObject({ kind: 'UNAUTHENTICATED' });
    await expect(sut.verify(token)).rejects.toBeInstanceOf(AuthError);
  });

  it('refuses to mint when only a JWKS is configured', async () => {
    const jwksOnly = new TokenService(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' }));
    await expect(jwksOnly.mint({ id: 'u', roles: [] })).rejects.toMatchObject({ reason: 'MINTING_UNAVAILABLE' });
  });

  it('reads bearer headers leniently', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('abc')).toBe('abc');
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
