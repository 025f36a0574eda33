import { ConfigValidationError, HeraldConfig, loadConfig, ProcessRole } from './herald-config';

const SECRET = 'a-secret-that-is-at-least-32-characters';

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: SECRET });
    expect(config).toBeInstanceOf(HeraldConfig);
    expect(config).toMatchObject({ HERALD_ROLE: ProcessRole.All, PORT: 3000, REDIS_KEY_PREFIX: 'herald', GRAPHQL_MAX_DEPTH: 8 });
    expect(config.sandboxEnabled).toBe(true);
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: SECRET, PORT: '8080', GRAPHQL_SANDBOX: 'false', NODE_ENV: 'production' });
    expect(config.PORT).toBe(8080);
    expect(config.sandboxEnabled).toBe(false);
  });

  it('refuses to start without a token secret or JWKS, naming the variable', () => {
    expect(() => loadConfig({})).toThrow(ConfigValidationError);
    expect(() => loadConfig({})).toThrow(/AUTH_JWT_SECRET/);
  });

  it('accepts a JWKS URL instead of a secret', () => {
    expect(loadConfig({ AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json' }).AUTH_JWT_SECRET).toBeUndefined();
  });

  it('names every wrong variable at once', () => {
    try {
      loadConfig({ AUTH_JWT_SECRET: SECRET, HERALD_ROLE: 'everything', PORT: 'eighty', DATABASE_URL: 'mysql://x' });
      throw new Error('expected a ConfigValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      const problems = (error as ConfigValidationError).problems.map((line) => line.split(':')[0]).sort();
      expect(problems).toEqual(['DATABASE_URL', 'HERALD_ROLE', 'PORT']);
    }
  });

  it('refuses notification offsets that are not whole seconds: they are stored and keyed in seconds', () => {
    expect(loadConfig({ AUTH_JWT_SECRET: SECRET, NOTIFY_REMINDER_OFFSETS: '20s,3000ms,1m', NOTIFY_BEFORE_END: '2000ms' }).notificationTiming).toMatchObject({
      reminderOffsetsMs: [20_000, 3000, 60_000],
      beforeEndMs: 2000,
    });
    for (const [name, value] of [
      ['NOTIFY_REMINDER_OFFSETS', '20s,1500ms'],
      ['NOTIFY_BEFORE_END', '500ms'],
      ['NOTIFY_PROVIDER_NEXT_BOOKING', '60001ms'],
    ]) {
      expect(() => loadConfig({ AUTH_JWT_SECRET: SECRET, [name]: value })).toThrow(new RegExp(`${name}: .*whole seconds`));
    }
  });

  it('knows which parts a role runs', () => {
    const worker = loadConfig({ AUTH_JWT_SECRET: SECRET, HERALD_ROLE: 'worker' });
    expect([worker.runs(ProcessRole.Api), worker.runs(ProcessRole.Worker), worker.runs(ProcessRole.Scheduler)]).toEqual([false, true, false]);
    const all = loadConfig({ AUTH_JWT_SECRET: SECRET });
    expect([all.runs(ProcessRole.Api), all.runs(ProcessRole.Worker), all.runs(ProcessRole.Scheduler)]).toEqual([true, true, true]);
  });
});
