import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The development stack `scripts/up` runs: Postgres and Redis with their data under `.data/`
 * (or HERALD_DEV_DATA), a JWT secret kept there across runs, and a record of the URLs it serves
 * them on, so the CLI can work against it without any variable set.
 */
export interface DevStackUrls {
  DATABASE_URL: string;
  REDIS_URL: string;
}

const URLS_FILE = 'dev-stack.json';
const SECRET_FILE = 'jwt-secret';

export function devDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HERALD_DEV_DATA ?? '.data');
}

/** The secret tokens are signed with in development, made once: tokens printed yesterday still work today. */
export function devJwtSecret(dataDir: string): string {
  const file = join(dataDir, SECRET_FILE);
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Written by `scripts/up` each time it starts the servers. */
export function recordDevStack(dataDir: string, urls: DevStackUrls): void {
  writeFileSync(join(dataDir, URLS_FILE), `${JSON.stringify(urls, null, 2)}\n`);
}

/**
 * `env` with what it leaves unset filled from the development stack, when one was started here:
 * DATABASE_URL, REDIS_URL, and AUTH_JWT_SECRET unless a JWKS is set. Never in production.
 * `filled` names the variables taken from it.
 */
export function withDevStack(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; filled: string[]; dataDir: string } {
  const dataDir = devDataDir(env);
  const urlsFile = join(dataDir, URLS_FILE);
  if (env.NODE_ENV === 'production' || !existsSync(urlsFile)) return { env, filled: [], dataDir };
  const urls = JSON.parse(readFileSync(urlsFile, 'utf8')) as DevStackUrls;
  const stack: Record<string, () => string | undefined> = {
    DATABASE_URL: () => urls.DATABASE_URL,
    REDIS_URL: () => urls.REDIS_URL,
    AUTH_JWT_SECRET: () => (env.AUTH_JWKS_URL || !existsSync(join(dataDir, SECRET_FILE)) ? undefined : devJwtSecret(dataDir)),
  };
  const filled = Object.entries(stack)
    .filter(([name]) => !env[name])
    .map(([name, value]) => [name, value()] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  return { env: { ...env, ...Object.fromEntries(filled) }, filled: filled.map(([name]) => name), dataDir };
}
