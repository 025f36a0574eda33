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

  describe('secret settings in the start-up error', () => {
    const problemsOf = (env: Record<string, string>): string => {
      try {
        loadConfig({ AUTH_JWT_SECRET: SECRET, ...env });
      } catch (error) {
        return (error as ConfigValidationError).message;
      }
      throw new Error('expected a ConfigValidationError');
    };

    it.each([
      ['TWILIO_AUTH_TOKEN', { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_FROM: '+998901234567', TWILIO_AUTH_TOKEN: 'tok-secret-123' }, 'tok-secret-123'],
      ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: 'short-jwt-secret-value' }, 'short-jwt-secret-value'],
      ['TELEGRAM_BOT_TOKEN', { TELEGRAM_BOT_TOKEN: '123:tg-token-value', TELEGRAM_BOT_USERNAME: 'herald_bot' }, 'tg-token-value'],
      ['TELEGRAM_WEBHOOK_SECRET', { TELEGRAM_BOT_TOKEN: '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11', TELEGRAM_BOT_USERNAME: 'herald_bot', TELEGRAM_UPDATES: 'webhook', TELEGRAM_WEBHOOK_SECRET: 'hook!' }, 'hook!'],
      ['METRICS_TOKEN', { METRICS_TOKEN: 'metrics-tok' }, 'metrics-tok'],
      ['EMAIL_UNSUBSCRIBE_SECRET', { EMAIL_UNSUBSCRIBE_SECRET: 'unsub-secret' }, 'unsub-secret'],
      ['DATABASE_URL', { DATABASE_URL: 'mysql://herald:db-password-9@db:3306/herald' }, 'db-password-9'],
      ['REDIS_URL', { REDIS_URL: 'http://:redis-password-9@cache:6379' }, 'redis-password-9'],
      ['SMTP_URL', { SMTP_URL: 'http://mailer:smtp-password-9@mail:587' }, 'smtp-password-9'],
    ])('%s is named, its value never shown', (name, env, secret) => {
      const message = problemsOf(env);
      expect(message).toContain(name);
      expect(message).not.toContain(secret);
    });

    it('a URL with credentials in any other setting is not shown either', () => {
      const message = problemsOf({ TWILIO_API_BASE: 'gopher://user:url-password-9@host' });
      expect(message).toContain('TWILIO_API_BASE');
      expect(message).not.toContain('url-password-9');
    });

    it('other settings still show what they got', () => {
      expect(problemsOf({ HERALD_ROLE: 'everything' })).toContain('(got "everything")');
    });
  });

  it('accepts the Telegram token its own message gives as the example', () => {
    const message = (() => {
      try {
        loadConfig({ AUTH_JWT_SECRET: SECRET, TELEGRAM_BOT_TOKEN: 'not-a-token', TELEGRAM_BOT_USERNAME: 'herald_bot' });
      } catch (error) {
        return (error as ConfigValidationError).message;
      }
      throw new Error('expected a ConfigValidationError');
    })();
    const example = /like (\S+)/.exec(message)?.[1];
    expect(example).toBeDefined();
    expect(loadConfig({ AUTH_JWT_SECRET: SECRET, TELEGRAM_BOT_TOKEN: example, TELEGRAM_BOT_USERNAME: 'herald_bot' }).TELEGRAM_BOT_TOKEN).toBe(example);
  });
});
