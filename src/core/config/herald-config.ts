import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
  ValidationError,
} from 'class-validator';

export enum ProcessRole {
  Api = 'api',
  Worker = 'worker',
  Scheduler = 'scheduler',
  All = 'all',
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Reads the raw string: implicit conversion would already have turned "false" into true. */
const toBoolean = ({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
  const raw = obj[key];
  return typeof raw === 'string' ? ['1', 'true', 'yes', 'on'].includes(raw.toLowerCase()) : raw;
};

/**
 * Every setting Herald reads from the environment. The README lists each one with its default;
 * `loadConfig` refuses to return an instance that breaks a rule, naming the variable.
 */
export class HeraldConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** Which parts of Herald this process runs: the GraphQL API, queue workers, schedulers, or all. */
  @IsEnum(ProcessRole)
  HERALD_ROLE: ProcessRole = ProcessRole.All;

  @IsString()
  HOST: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL = 'postgresql://herald@127.0.0.1:5432/herald';

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix for every Redis key and pub/sub channel Herald uses, so installations can share a Redis. */
  @Matches(/^[a-zA-Z0-9_-]+$/)
  REDIS_KEY_PREFIX: string = 'herald';

  /** HS256 secret for bearer tokens; required unless AUTH_JWKS_URL is set. */
  @ValidateIf((config: HeraldConfig) => !config.AUTH_JWKS_URL)
  @IsString()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters (or set AUTH_JWKS_URL)' })
  AUTH_JWT_SECRET?: string = undefined;

  /** Verify tokens against an identity provider's JWKS instead of a shared secret. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  AUTH_JWKS_URL?: string = undefined;

  @IsString()
  AUTH_JWT_ISSUER = 'herald';

  @IsString()
  AUTH_JWT_AUDIENCE = 'herald';

  /** Lifetime of tokens minted by the CLI, in jose's duration syntax (e.g. 12h, 7d). */
  @Matches(/^\d+\s?(s|m|h|d|w)$/)
  AUTH_TOKEN_TTL = '12h';

  @IsInt()
  @Min(2)
  @Max(50)
  GRAPHQL_MAX_DEPTH: number = 8;

  @IsInt()
  @Min(10)
  GRAPHQL_MAX_COMPLEXITY: number = 1000;

  /** Serve Apollo Sandbox on GET /graphql. Defaults to on outside production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  GRAPHQL_SANDBOX?: boolean = undefined;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get sandboxEnabled(): boolean {
    return this.GRAPHQL_SANDBOX ?? !this.isProduction;
  }

  runs(part: Exclude<ProcessRole, ProcessRole.All>): boolean {
    return this.HERALD_ROLE === ProcessRole.All || this.HERALD_ROLE === part;
  }
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Herald configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

const describe = (error: ValidationError): string =>
  `${error.property}: ${Object.values(error.constraints ?? {}).join('; ')} (got ${
    error.value === undefined ? 'nothing' : JSON.stringify(error.value)
  })`;

/** Builds the configuration from environment variables, or throws naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HeraldConfig {
  const known = new Set(Object.keys(new HeraldConfig()));
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.has(key) && value !== undefined && value !== ''),
  );
  const config = plainToInstance(HeraldConfig, relevant, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigValidationError(errors.map(describe));
  return config;
}
