import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { TokenService } from '../src/auth/token.service';
import { recordDevStack } from '../src/core/cli/dev-stack';
import { databaseUrl } from './support/databases';
import { startTestApp, TestApp } from './support/test-app';

const run = promisify(execFile);

/** The CLI as a newcomer runs it after `scripts/up`: from the repository, no Herald variables set. */
describe('cli against the scripts/up stack (e2e)', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dataDir = mkdtempSync(join(tmpdir(), 'herald-dev-stack-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await t?.close();
  });

  const cli = (args: string[], env: Record<string, string>) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['DATABASE_URL', 'REDIS_URL', 'AUTH_JWT_SECRET', 'NODE_ENV'].includes(name)));
    return run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args], {
      cwd: join(__dirname, '..'),
      env: { ...inherited, LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: t.config.REDIS_KEY_PREFIX, ...env },
    });
  };

  it('token: the database, Redis and secret come from the stack scripts/up recorded', async () => {
    recordDevStack(dataDir, { DATABASE_URL: t.config.DATABASE_URL, REDIS_URL: t.config.REDIS_URL });
    writeFileSync(join(dataDir, 'jwt-secret'), t.config.AUTH_JWT_SECRET!);
    const { stdout, stderr } = await cli(['token', 'ops@herald.test', '--ttl', '1h'], { HERALD_DEV_DATA: dataDir });
    expect((await t.app.get(TokenService).verify(stdout.trim())).id).toBe(t.users.ops.id);
    expect(stderr).toContain('DATABASE_URL, REDIS_URL, AUTH_JWT_SECRET');
  }, 60_000);

  it('migrate: its log has no colour codes when it goes to a file or pipe', async () => {
    const name = `herald_cli_${Date.now()}`;
    const admin = new Client({ connectionString: process.env.HERALD_TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      const { stdout } = await cli(['migrate'], { DATABASE_URL: databaseUrl(name), AUTH_JWT_SECRET: t.config.AUTH_JWT_SECRET!, HERALD_DEV_DATA: dataDir });
      expect(stdout).toContain('[migrator] Applied');
      expect(stdout).toContain('Applied:');
      expect(stdout).not.toContain('\u001b[');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  }, 60_000);
});
