import { MikroORM } from '@mikro-orm/postgresql';
import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { CloseCode, createClient, Client as WsClient } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AppModule } from '../../src/app.module';
import { Role } from '../../src/auth/role';
import { TokenService } from '../../src/auth/token.service';
import { Clock } from '../../src/core/clock/clock';
import { HeraldConfig, loadConfig } from '../../src/core/config/herald-config';
import { prepareHttpApp } from '../../src/core/graphql/http-app';
import { Locale, User } from '../../src/users/user.entity';
import { createTestDatabase } from './databases';
import { TestClock } from './test-clock';

export const PERSONAS = {
  admin: { name: 'Ada Admin', roles: [Role.admin] },
  ops: { name: 'Oskar Ops', roles: [Role.ops] },
  finance: { name: 'Fatima Finance', roles: [Role.finance] },
  provider: { name: 'Pavel Provider', roles: [Role.provider] },
  otherProvider: { name: 'Polina Provider', roles: [Role.provider] },
  customer: { name: 'Kamola Customer', roles: [Role.customer] },
  otherCustomer: { name: 'Karim Customer', roles: [Role.customer] },
} as const;
export type Persona = keyof typeof PERSONAS;

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

export interface LiveSubscription<T = Record<string, unknown>> {
  /** The next event (data or errors), or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export interface TestApp {
  app: INestApplication;
  config: HeraldConfig;
  url: string;
  clock: TestClock;
  orm: MikroORM;
  users: Record<Persona, User>;
  tokens: Record<Persona, string>;
  redis: Redis;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  subscribe<T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, token?: string): Promise<LiveSubscription<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /**
   * Start another Herald process on the same database, Redis key prefix and clock as this one,
   * with its users and tokens (e.g. a second worker). Closing it leaves the shared data alone.
   */
  sharing?: TestApp;
  /** Providers to replace, e.g. a recording channel sender: `{ provide: TOKEN, useValue }`. */
  providers?: { provide: unknown; useValue: unknown }[];
}

/**
 * A whole Herald (API, workers, schedulers) on its own database cloned from the migrated template,
 * its own Redis key prefix, a movable clock, and one signed-in user per role.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const shared = options.sharing;
  const database = shared ? null : await createTestDatabase();
  // Messages of channels without credentials go to a private outbox, not the developer's .data/outbox.
  const outboxDir = shared || options.env?.OUTBOX_DIR ? null : mkdtempSync(join(tmpdir(), 'herald-test-outbox-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HERALD_ROLE: 'all',
    DATABASE_URL: shared ? shared.config.DATABASE_URL : database!.url,
    REDIS_URL: process.env.HERALD_TEST_REDIS_URL,
    REDIS_KEY_PREFIX: shared ? shared.config.REDIS_KEY_PREFIX : `t${randomBytes(5).toString('hex')}`,
    AUTH_JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256',
    LOG_LEVEL: process.env.HERALD_TEST_LOG_LEVEL ?? 'silent',
    GRAPHQL_SANDBOX: 'false',
    // Completion reminders follow the wall clock's hours, which tests' travelling clocks cross at random: on where a test asks.
    NOTIFY_COMPLETION_HOURS: 'off',
    OUTBOX_DIR: shared ? shared.config.OUTBOX_DIR : (outboxDir ?? undefined),
    ...options.env,
  });
  const clock = shared ? shared.clock : new TestClock();
  let builder = Test.createTestingModule({ imports: [AppModule.forConfig(config)] })
    .overrideProvider(Clock)
    .useValue(clock);
  for (const { provide, useValue } of options.providers ?? []) builder = builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true });
  prepareHttpApp(app, config);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;

  const orm = app.get<MikroORM>(MikroORM);
  const { users, tokens } = shared ? { users: shared.users, tokens: shared.tokens } : await signInPersonas(app, orm);

  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const wsClients: WsClient[] = [];

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: GraphQLFormattedError[] };
    return { status: response.status, ...body };
  };

  const subscribe = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<LiveSubscription<T>> => {
    const client = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: false,
    });
    wsClients.push(client);
    const received: GqlResult<T>[] = [];
    const waiting: ((result: GqlResult<T>) => void)[] = [];
    const deliver = (result: GqlResult<T>) => {
      const waiter = waiting.shift();
      if (waiter) waiter(result);
      else received.push(result);
    };
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    // A connection refused at connection_init closes unacknowledged; its subscription gets the close as its error.
    const closed = new Promise<void>((resolve) => client.on('closed', () => resolve()));
    const unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => deliver({ status: 200, data: result.data as T, errors: result.errors as GraphQLFormattedError[] | undefined }),
        error: (error) => deliver({ status: 0, errors: Array.isArray(error) ? error : [errorOfClosed(error)] }),
        complete: () => undefined,
      },
    );
    await Promise.race([connected, closed]);
    // Give the server time to register the subscription before the test triggers events.
    await new Promise((resolve) => setTimeout(resolve, 150));
    return {
      next: (timeoutMs = 5000) => {
        const ready = received.shift();
        if (ready) return Promise.resolve(ready);
        return new Promise<GqlResult<T>>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting.splice(waiting.indexOf(onResult), 1);
            reject(new Error(`no subscription event within ${timeoutMs} ms`));
          }, timeoutMs);
          const onResult = (result: GqlResult<T>) => {
            clearTimeout(timer);
            resolve(result);
          };
          waiting.push(onResult);
        });
      },
      close: async () => {
        unsubscribe();
        await client.dispose();
      },
    };
  };

  return {
    app,
    config,
    url,
    clock,
    orm,
    users,
    tokens,
    redis,
    gql,
    subscribe,
    close: async () => {
      await Promise.all(wsClients.map((client) => client.dispose()));
      await app.close();
      if (database) {
        const keys = await redis.keys(`${config.REDIS_KEY_PREFIX}:*`);
        if (keys.length) await redis.del(...keys);
      }
      await redis.quit();
      await database?.drop();
      if (outboxDir) rmSync(outboxDir, { recursive: true, force: true });
    },
  };
}

/**
 * A subscription's error that is not a list of GraphQL errors: the socket closed. Herald closes a
 * connection whose token is missing (4401) or not valid (4403): over HTTP that is UNAUTHENTICATED.
 */
function errorOfClosed(error: unknown): GraphQLFormattedError {
  const { code, reason, message } = error as { code?: number; reason?: string; message?: string };
  if (code === CloseCode.Unauthorized || code === CloseCode.Forbidden) return { message: reason ?? '', extensions: { code: 'UNAUTHENTICATED', closeCode: code } };
  return { message: String(message ?? reason ?? error), ...(code ? { extensions: { closeCode: code } } : {}) };
}

/** One user per persona, and a token for each. */
async function signInPersonas(app: INestApplication, orm: MikroORM): Promise<{ users: Record<Persona, User>; tokens: Record<Persona, string> }> {
  const em = orm.em.fork();
  const users = Object.fromEntries(
    Object.entries(PERSONAS).map(([persona, { name, roles }], index) => [
      persona,
      em.create(User, {
        name,
        email: `${persona.toLowerCase()}@herald.test`,
        phone: `+99890123450${index}`,
        locale: Locale.en,
        timezone: 'Asia/Tashkent',
        roles: [...roles],
        postalCode: index % 2 === 0 ? '100000' : '100100',
      }),
    ]),
  ) as Record<Persona, User>;
  await em.flush();
  const tokenService = app.get(TokenService);
  const tokens = Object.fromEntries(
    await Promise.all(Object.entries(users).map(async ([persona, user]) => [persona, await tokenService.mint(user)])),
  ) as Record<Persona, string>;
  return { users, tokens };
}
