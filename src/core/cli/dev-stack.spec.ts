import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordDevStack, withDevStack } from './dev-stack';

describe(withDevStack.name, () => {
  let dataDir: string;
  const urls = { DATABASE_URL: 'postgresql://herald@127.0.0.1:54329/herald', REDIS_URL: 'redis://127.0.0.1:63799' };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'herald-dev-stack-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('fills what the environment leaves unset from the recorded stack and its secret', () => {
    recordDevStack(dataDir, urls);
    writeFileSync(join(dataDir, 'jwt-secret'), 'dev-secret\n');
    const { env, filled } = withDevStack({ HERALD_DEV_DATA: dataDir, REDIS_URL: 'redis://elsewhere:6379' });
    expect(env).toMatchObject({ DATABASE_URL: urls.DATABASE_URL, REDIS_URL: 'redis://elsewhere:6379', AUTH_JWT_SECRET: 'dev-secret' });
    expect(filled).toEqual(['DATABASE_URL', 'AUTH_JWT_SECRET']);
  });

  it('leaves the secret to a JWKS when one is set', () => {
    recordDevStack(dataDir, urls);
    writeFileSync(join(dataDir, 'jwt-secret'), 'dev-secret');
    expect(withDevStack({ HERALD_DEV_DATA: dataDir, AUTH_JWKS_URL: 'https://id.example.com/jwks.json' }).env.AUTH_JWT_SECRET).toBeUndefined();
  });

  it('changes nothing without a recorded stack, or in production', () => {
    expect(withDevStack({ HERALD_DEV_DATA: dataDir }).filled).toEqual([]);
    recordDevStack(dataDir, urls);
    expect(withDevStack({ HERALD_DEV_DATA: dataDir, NODE_ENV: 'production' }).filled).toEqual([]);
  });
});
