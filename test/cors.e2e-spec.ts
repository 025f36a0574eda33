import { ConfigValidationError, loadConfig } from '../src/core/config/herald-config';
import { startTestApp, TestApp } from './support/test-app';

const ALLOWED = 'https://app.herald.test';

/** A browser's preflight for a GraphQL POST from `origin`. */
const preflight = (t: TestApp, origin: string) =>
  fetch(`${t.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });

const corsHeaders = (response: Response) => {
  const names: string[] = [];
  response.headers.forEach((_value, name) => names.push(name));
  return names.filter((name) => name.startsWith('access-control-'));
};

describe('CORS (e2e)', () => {
  describe('with CORS_ORIGINS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` } });
    });
    afterAll(() => t?.close());

    it('answers a preflight from an allowed origin with 204 and the CORS headers', async () => {
      const response = await preflight(t, ALLOWED);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
      expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
      expect(response.headers.get('vary')).toMatch(/origin/i);
      expect((await preflight(t, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    });

    it('lets the allowed origin read the answer', async () => {
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { origin: ALLOWED, 'content-type': 'application/json', authorization: `Bearer ${t.tokens.customer}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    });

    it('gives any other origin no CORS headers', async () => {
      expect(corsHeaders(await preflight(t, 'https://elsewhere.test'))).toEqual([]);
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { origin: 'https://elsewhere.test', 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(corsHeaders(response)).toEqual([]);
    });
  });

  describe('by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t?.close());

    it('allows no cross-origin access', async () => {
      expect(corsHeaders(await preflight(t, ALLOWED))).toEqual([]);
    });
  });

  it('refuses CORS_ORIGINS entries that are not bare origins', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), CORS_ORIGINS: 'https://app.herald.test/' })).toThrow(ConfigValidationError);
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), CORS_ORIGINS: 'app.herald.test' })).toThrow(/CORS_ORIGINS must be origins/);
    expect(loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), CORS_ORIGINS: 'https://a.test,http://localhost:5173' }).CORS_ORIGINS).toBe('https://a.test,http://localhost:5173');
  });
});
