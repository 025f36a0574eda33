import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
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

  it('rejects an HS256 token without an expiry as UNAUTHENTICATED', async () => {
    const token = await new SignJWT({ roles: [] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setIssuer('herald').setAudience('herald').sign(new TextEncoder().encode(SECRET));
    await expect(sut.verify(token)).rejects.toMatchObject({ kind: 'UNAUTHENTICATED' });
  });

  describe('with a JWKS served over HTTP', () => {
    let server: Server;
    let jwksUrl: string;
    const keys: Record<'RS256' | 'ES384', { privateKey: KeyLike; jwk: JWK }> = {} as never;

    beforeAll(async () => {
      for (const alg of ['RS256', 'ES384'] as const) {
        const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
        keys[alg] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: alg, alg, use: 'sig' } };
      }
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: Object.values(keys).map(({ jwk }) => jwk) }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const jwksService = (env: Record<string, string> = {}) => new TokenService(loadConfig({ AUTH_JWKS_URL: jwksUrl, ...env }));

    const signed = (alg: 'RS256' | 'ES384', expires = true) => {
      const jwt = new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg, kid: alg }).setSubject('u').setIssuer('herald').setAudience('herald').setIssuedAt();
      return (expires ? jwt.setExpirationTime('1h') : jwt).sign(keys[alg].privateKey);
    };

    it('accepts a token signed with an allowed algorithm', async () => {
      expect((await jwksService().verify(await signed('RS256'))).roles).toEqual([Role.customer]);
    });

    it('rejects a token without an expiry as UNAUTHENTICATED', async () => {
      await expect(jwksService().verify(await signed('RS256', false))).rejects.toMatchObject({ kind: 'UNAUTHENTICATED' });
    });

    it('rejects an algorithm AUTH_JWKS_ALGORITHMS does not allow, though the JWKS holds its key', async () => {
      const token = await signed('ES384');
      await expect(jwksService().verify(token)).rejects.toMatchObject({ kind: 'UNAUTHENTICATED' });
      expect((await jwksService({ AUTH_JWKS_ALGORITHMS: 'RS256,ES384' }).verify(token)).id).toBe('u');
    });

    it('rejects HS256 signed with the public key as the secret', async () => {
      const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(keys.RS256.jwk));
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256', kid: 'RS256' })
        .setSubject('u')
        .setIssuer('herald')
        .setAudience('herald')
        .setExpirationTime('1h')
        .sign(publicKeyAsSecret);
      await expect(jwksService().verify(token)).rejects.toMatchObject({ kind: 'UNAUTHENTICATED' });
    });

    it('refuses a symmetric algorithm in AUTH_JWKS_ALGORITHMS at start-up', () => {
      expect(() => jwksService({ AUTH_JWKS_ALGORITHMS: 'RS256,HS256' })).toThrow(/AUTH_JWKS_ALGORITHMS/);
    });
  });
});
