import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  DURATION,
  DURATION_LIST,
  parseDuration,
  parseDurationList,
  parseSchedule,
  WHOLE_SECONDS_DURATION,
  WHOLE_SECONDS_DURATION_OR_OFF,
  WHOLE_SECONDS_SCHEDULE,
} from './duration';
import { IsIanaTimezone } from '../validation/validators';
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

/** Three durations: when a condition becomes an alert, when it escalates, how often its scan runs. */
const ALERT_RULE = /^\s*\d+(ms|s|m|h|d)\s*,\s*\d+(ms|s|m|h|d)\s*,\s*\d+(ms|s|m|h|d)\s*$/;

export interface AlertRuleTiming {
  afterMs: number;
  escalateAfterMs: number;
  everyMs: number;
}

const JWKS_ALGORITHM = '(?:(?:RS|PS|ES)(?:256|384|512)|EdDSA)';
const JWKS_ALGORITHM_LIST = new RegExp(`^${JWKS_ALGORITHM}(?:,${JWKS_ALGORITHM})*$`);

/** Settings whose values never appear in a message: tokens, passwords, secrets, URLs that may hold credentials. */
const SECRET_SETTINGS = new Set<string>();

const Secret = (): PropertyDecorator => (_target, property) => {
  SECRET_SETTINGS.add(String(property));
};

/** `scheme://user:password@…`: credentials in a URL, whichever setting it is given to. */
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*@/i;

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

  /** Workers and schedulers serve GET /health (nothing else) on this port, for their orchestrator's health check; unset: no HTTP. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  HEALTH_PORT?: number = undefined;

  /** On SIGTERM, how long a worker waits for the sends it has started to finish before it exits anyway. */
  @Matches(DURATION)
  SHUTDOWN_DRAIN_TIMEOUT: string = '10s';

  @Secret()
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL = 'postgresql://herald@127.0.0.1:5432/herald';

  @Secret()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * Seed nodes (host:port, comma-separated) of a Redis Cluster that replaces the one Redis of
   * REDIS_URL for every Redis use; REDIS_URL then gives only the user, password and TLS.
   */
  @Matches(/^$|^[^\s,:]+:\d{1,5}(\s*,\s*[^\s,:]+:\d{1,5})*$/, {
    message: 'REDIS_CLUSTER_NODES must be host:port seed nodes, comma-separated, like 10.0.0.1:7000,10.0.0.2:7000',
  })
  REDIS_CLUSTER_NODES: string = '';

  /** Prefix for every Redis key and pub/sub channel Herald uses, so installations can share a Redis. */
  @Matches(/^[a-zA-Z0-9_-]+$/)
  REDIS_KEY_PREFIX: string = 'herald';

  /** HS256 secret for bearer tokens; required unless AUTH_JWKS_URL is set. */
  @Secret()
  @ValidateIf((config: HeraldConfig) => !config.AUTH_JWKS_URL)
  @IsString()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters (or set AUTH_JWKS_URL)' })
  AUTH_JWT_SECRET?: string = undefined;

  /** Verify tokens against an identity provider's JWKS instead of a shared secret. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  AUTH_JWKS_URL?: string = undefined;

  /** Signature algorithms accepted with AUTH_JWKS_URL; asymmetric only, so a public key can never serve as an HMAC secret. */
  @Matches(JWKS_ALGORITHM_LIST, { message: 'AUTH_JWKS_ALGORITHMS must be a comma-separated list of RS256…RS512, PS256…PS512, ES256…ES512 or EdDSA' })
  AUTH_JWKS_ALGORITHMS = 'RS256,ES256,EdDSA';

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

  /** Browser origins (scheme://host[:port]) allowed to call the API from other sites, comma-separated; empty: none. */
  @Matches(/^$|^https?:\/\/[^\s/,]+(\s*,\s*https?:\/\/[^\s/,]+)*$/, {
    message: 'CORS_ORIGINS must be origins without a path, comma-separated, like https://app.example.com,http://localhost:5173',
  })
  CORS_ORIGINS: string = '';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** The language whose templates stand in when none in the recipient's own renders. */
  @IsIn(['uz', 'ru', 'en'])
  TEMPLATES_DEFAULT_LOCALE: 'uz' | 'ru' | 'en' = 'en';

  /**
   * Customer reminders, as durations before the booking starts, each optionally on its own
   * channel ("2d@email,1d@sms,2h@sms"); whole seconds, as offsets are stored in seconds. A user's
   * own schedule (preferences) replaces it for their bookings.
   */
  @Matches(WHOLE_SECONDS_SCHEDULE, {
    message: 'NOTIFY_REMINDER_OFFSETS must be durations in whole seconds, each optionally @telegram, @email or @sms, like 72h,36h,24h@email,3h,1h',
  })
  NOTIFY_REMINDER_OFFSETS: string = '72h,36h,24h,3h,1h';

  /** Also tell the customer when the booking starts. */
  @Transform(toBoolean)
  @IsBoolean()
  NOTIFY_AT_START: boolean = false;

  /** Tell the customer this long before the booking ends (e.g. 5m), in whole seconds; "off" disables. */
  @Matches(WHOLE_SECONDS_DURATION_OR_OFF, { message: 'NOTIFY_BEFORE_END must be "off" or a duration in whole seconds like 5m' })
  NOTIFY_BEFORE_END: string = 'off';

  /** The provider's "next booking" nudge, this long before start, in whole seconds. */
  @Matches(WHOLE_SECONDS_DURATION, { message: 'NOTIFY_PROVIDER_NEXT_BOOKING must be a duration in whole seconds like 1h' })
  NOTIFY_PROVIDER_NEXT_BOOKING: string = '1h';

  /** Local hour (provider's time zone) of the provider's daily agenda. */
  @IsInt()
  @Min(0)
  @Max(23)
  NOTIFY_AGENDA_HOUR: number = 7;

  /** Local hours (provider's time zone) at which providers are reminded of bookings still to be marked done; "off" disables. */
  @Matches(/^off$|^([01]?\d|2[0-3])(,([01]?\d|2[0-3]))*$/, { message: 'NOTIFY_COMPLETION_HOURS must be "off" or local hours like 8,14,18' })
  NOTIFY_COMPLETION_HOURS: string = '8,14,18';

  /** External channels in order of preference; a recipient gets the first they can be reached on. */
  @Matches(/^(telegram|email|sms)(,(telegram|email|sms))*$/)
  NOTIFY_CHANNELS: string = 'telegram,email,sms';

  /** Every message also lands in the recipient's in-app inbox. */
  @Transform(toBoolean)
  @IsBoolean()
  NOTIFY_IN_APP_COPY: boolean = true;

  /** Only messages due within this window wait in Redis; later ones stay in Postgres until promoted. */
  @Matches(DURATION)
  NOTIFY_QUEUE_HORIZON: string = '24h';

  /** How often due rows are promoted into the queue and lost jobs rebuilt. */
  @Matches(DURATION)
  NOTIFY_PROMOTE_EVERY: string = '60s';

  /** Waits before each retry of a retryable failure; their count is the number of retries. */
  @Matches(DURATION_LIST)
  NOTIFY_RETRY_DELAYS: string = '60s,120s,240s';

  /** Notifications one worker process sends at the same time. */
  @IsInt()
  @Min(1)
  @Max(500)
  NOTIFY_WORKER_CONCURRENCY: number = 10;

  /** Notifications per batch the dispatcher hands to a channel's consumers. */
  @IsInt()
  @Min(1)
  @Max(1000)
  NOTIFY_DISPATCH_BATCH: number = 100;

  /** Batches of one channel waiting or being sent before the dispatcher hands out more: the rest wait in Postgres. */
  @IsInt()
  @Min(1)
  @Max(1000)
  NOTIFY_DISPATCH_MAX_BATCHES: number = 8;

  /** How long a claimed batch may wait for a consumer before its rows are claimed again (a lost batch). */
  @Matches(DURATION)
  NOTIFY_DISPATCH_LEASE: string = '10s';

  /** Longest the dispatcher sleeps without looking for due rows (it wakes on NOTIFY and at the next due time). */
  @Matches(DURATION)
  NOTIFY_DISPATCH_POLL: string = '1s';

  /** Sends one worker process makes at once within a batch, per channel; unnamed channels keep their default. */
  @Matches(/^$|^(in_app|telegram|email|sms)=\d+(,(in_app|telegram|email|sms)=\d+)*$/, { message: 'NOTIFY_SEND_CONCURRENCY must look like "email=5,sms=5"' })
  NOTIFY_SEND_CONCURRENCY: string = '';

  /** Signatures pending: alert after, critical after, scan every (three durations). */
  @Matches(ALERT_RULE, { message: 'ALERT_SIGNATURE_PENDING must be three durations: after, escalation, scan interval, like 24h,48h,1h' })
  ALERT_SIGNATURE_PENDING: string = '24h,48h,1h';

  /** Payments on hold: alert after, high after, scan every. */
  @Matches(ALERT_RULE, { message: 'ALERT_PAYMENT_ON_HOLD must be three durations: after, escalation, scan interval, like 24h,48h,2h' })
  ALERT_PAYMENT_ON_HOLD: string = '24h,48h,2h';

  /** Bookings past their end, neither completed nor cancelled: alert after, critical after, scan every. */
  @Matches(ALERT_RULE, { message: 'ALERT_BOOKING_OVERDUE must be three durations: after, escalation, scan interval, like 24h,48h,3h' })
  ALERT_BOOKING_OVERDUE: string = '24h,48h,3h';

  /** Herald's own backlog: a channel's oldest due-but-unsent message older than this alerts (high), then critical, scan every. */
  @Matches(ALERT_RULE, { message: 'ALERT_DELIVERY_BACKLOG must be three durations: after, escalation, scan interval, like 5m,20m,1m' })
  ALERT_DELIVERY_BACKLOG: string = '5m,20m,1m';

  /** The booking event relay: its oldest unplanned event older than this alerts (high), then critical, scan every. */
  @Matches(ALERT_RULE, { message: 'ALERT_RELAY_BEHIND must be three durations: after, escalation, scan interval, like 2m,10m,1m' })
  ALERT_RELAY_BEHIND: string = '2m,10m,1m';

  /** A channel's provider unreachable: messages retrying with nothing sent for this long (high), then critical, scan every. */
  @Matches(ALERT_RULE, { message: 'ALERT_CHANNEL_UNREACHABLE must be three durations: after, escalation, scan interval, like 5m,30m,1m' })
  ALERT_CHANNEL_UNREACHABLE: string = '5m,30m,1m';

  /** A channel failing: the failed share (percent) of its messages due in the window, the window, scan every. */
  @Matches(/^\s*\d{1,3}%\s*,\s*\d+(ms|s|m|h|d)\s*,\s*\d+(ms|s|m|h|d)\s*$/, {
    message: 'ALERT_CHANNEL_FAILING must be a percentage, a window and a scan interval, like 25%,15m,5m',
  })
  ALERT_CHANNEL_FAILING: string = '25%,15m,5m';

  /** Reminders late: their p95 lateness on a channel over this (high; critical from five times it), the window, scan every. */
  @Matches(ALERT_RULE, { message: 'ALERT_REMINDERS_LATE must be three durations: p95 threshold, window, scan interval, like 60s,15m,5m' })
  ALERT_REMINDERS_LATE: string = '60s,15m,5m';

  /** How often staff are told again of an alert still active (not acknowledged, not silenced), per severity; a severity left out is never repeated. */
  @Matches(/^$|^(low|medium|high|critical)=\d+(ms|s|m|h|d)(,(low|medium|high|critical)=\d+(ms|s|m|h|d))*$/, {
    message: 'ALERT_REPEAT must look like "critical=1h,high=4h,medium=12h,low=24h"',
  })
  ALERT_REPEAT: string = 'critical=1h,high=4h,medium=12h,low=24h';

  /** At most this many marketing (campaign) messages to one person per window, like 2/7d. */
  @Matches(/^\d+\/\d+(ms|s|m|h|d)$/, { message: 'CAMPAIGN_FREQUENCY_CAP must be a count and a window, like 2/7d' })
  CAMPAIGN_FREQUENCY_CAP: string = '2/7d';

  /** Local time (ANALYTICS_TIMEZONE) at which schedulers compute the previous day's postal-code analytics. */
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'ANALYTICS_DAILY_AT must be a 24-hour time HH:MM, like 01:00' })
  ANALYTICS_DAILY_AT: string = '01:00';

  /** The zone whose clock ANALYTICS_DAILY_AT and "the previous day" are read on. */
  @IsIanaTimezone()
  ANALYTICS_TIMEZONE: string = 'UTC';

  /** How often the booking event relay looks for events it was not woken for (it normally wakes on NOTIFY). */
  @Matches(DURATION)
  NOTIFY_RELAY_POLL: string = '1s';

  /** A send still unfinished after this long is considered interrupted and queued again. */
  @Matches(DURATION)
  NOTIFY_SENDING_TIMEOUT: string = '5m';

  /** Sent, cancelled and skipped notifications older than this are deleted daily. */
  @IsInt()
  @Min(1)
  NOTIFY_RETENTION_DAYS: number = 90;

  /**
   * Per-type channel order overriding NOTIFY_CHANNELS, e.g.
   * "booking_reminder=telegram,sms,email;booking_confirmation=email,telegram". When a recipient
   * has no address on a channel, or it fails permanently, the next one is planned.
   */
  @Matches(/^$|^[a-z_]+=(telegram|email|sms)(,(telegram|email|sms))*(;[a-z_]+=(telegram|email|sms)(,(telegram|email|sms))*)*$/)
  NOTIFY_CHANNELS_BY_TYPE: string = '';

  /** Public base URL of this API, used to build provider callbacks (Twilio status) and to verify their signatures. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  PUBLIC_BASE_URL?: string = undefined;

  /** Telegram bot token from @BotFather; without it Telegram is "not configured". */
  @Secret()
  @IsOptional()
  @Matches(/^\d+:[A-Za-z0-9_-]{20,}$/, { message: 'TELEGRAM_BOT_TOKEN must look like 123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11 (the bot id, a colon, 20 or more letters, digits, _ or -)' })
  TELEGRAM_BOT_TOKEN?: string = undefined;

  /** The bot's username (without @), for t.me deep links. */
  @ValidateIf((config: HeraldConfig) => !!config.TELEGRAM_BOT_TOKEN)
  @Matches(/^[A-Za-z0-9_]{5,32}$/, { message: 'TELEGRAM_BOT_USERNAME is required with TELEGRAM_BOT_TOKEN (e.g. herald_bot)' })
  TELEGRAM_BOT_USERNAME?: string = undefined;

  /** Bot API base; tests point it at a local Bot API server. */
  @IsUrl({ require_tld: false, require_protocol: true })
  TELEGRAM_API_ROOT: string = 'https://api.telegram.org';

  /** How updates reach the bot: long polling, a webhook at PUBLIC_BASE_URL/telegram/webhook, or none (send only). */
  @IsIn(['polling', 'webhook', 'none'])
  TELEGRAM_UPDATES: 'polling' | 'webhook' | 'none' = 'polling';

  /** Secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token on webhook calls. */
  @Secret()
  @ValidateIf((config: HeraldConfig) => config.TELEGRAM_UPDATES === 'webhook' && !!config.TELEGRAM_BOT_TOKEN)
  @Matches(/^[A-Za-z0-9_-]{16,256}$/, { message: 'TELEGRAM_WEBHOOK_SECRET (16+ of A-Z a-z 0-9 _ -) is required in webhook mode' })
  TELEGRAM_WEBHOOK_SECRET?: string = undefined;

  /** Messages per second to all chats together, shared by every process of the bot (Telegram allows about 30). */
  @IsInt()
  @Min(1)
  @Max(30)
  TELEGRAM_MAX_PER_SECOND: number = 25;

  /** Minimum gap between two messages to the same chat, across every process. */
  @Matches(DURATION)
  TELEGRAM_PER_CHAT_INTERVAL: string = '1s';

  /** Lifetime of a one-time account-linking deep link. */
  @Matches(DURATION)
  TELEGRAM_LINK_TTL: string = '15m';

  /** SMTP server, e.g. smtp://user:pass@smtp.example.com:587 or smtps://apikey:KEY@smtp.sendgrid.net:465; without it email is "not configured". */
  @Secret()
  @IsOptional()
  @IsUrl({ protocols: ['smtp', 'smtps'], require_tld: false, require_protocol: true })
  SMTP_URL?: string = undefined;

  /** Sender of every email. */
  @IsString()
  EMAIL_FROM: string = 'Herald <no-reply@herald.local>';

  /**
   * Where List-Unsubscribe points for non-transactional mail (mailto: or https:); `{notificationId}`
   * and `{token}` (a signed one-click token Herald's own endpoint reads) are filled in. Unset:
   * Herald's own endpoint under PUBLIC_BASE_URL.
   */
  @IsOptional()
  @IsString()
  EMAIL_UNSUBSCRIBE_URL?: string = undefined;

  /** Signs unsubscribe links; defaults to a key derived from AUTH_JWT_SECRET. */
  @Secret()
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'EMAIL_UNSUBSCRIBE_SECRET must be at least 32 characters' })
  EMAIL_UNSUBSCRIBE_SECRET?: string = undefined;

  /** Twilio account; without it SMS is "not configured". */
  @IsOptional()
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID?: string = undefined;

  @Secret()
  @ValidateIf((config: HeraldConfig) => !!config.TWILIO_ACCOUNT_SID)
  @IsString()
  @MinLength(16, { message: 'TWILIO_AUTH_TOKEN is required with TWILIO_ACCOUNT_SID' })
  TWILIO_AUTH_TOKEN?: string = undefined;

  /** Sending number (E.164) or Messaging Service SID (MG…). */
  @ValidateIf((config: HeraldConfig) => !!config.TWILIO_ACCOUNT_SID)
  @Matches(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, { message: 'TWILIO_FROM must be an E.164 number or a Messaging Service SID' })
  TWILIO_FROM?: string = undefined;

  /** Twilio REST base; tests point it at a local Twilio-compatible server. */
  @IsUrl({ require_tld: false, require_protocol: true })
  TWILIO_API_BASE: string = 'https://api.twilio.com';

  /** Bearer token Prometheus sends to read /metrics; without it /metrics answers 404. Never logged. */
  @Secret()
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string = undefined;

  /** How far back /metrics looks at sent reminders for their lateness. */
  @Matches(DURATION)
  METRICS_LATENESS_WINDOW: string = '15m';

  /** GraphQL operations a signed-in caller (token subject) may start per THROTTLE_WINDOW, across every API process. */
  @IsInt()
  @Min(1)
  THROTTLE_USER_LIMIT: number = 600;

  /** The same for callers without a valid token, per client address: stricter, they can do nothing but try tokens. */
  @IsInt()
  @Min(1)
  THROTTLE_ANON_LIMIT: number = 60;

  /** Whole seconds, as Retry-After counts them. */
  @Matches(WHOLE_SECONDS_DURATION)
  THROTTLE_WINDOW: string = '1m';

  /** Where messages for channels without credentials are written (development only). */
  @IsString()
  OUTBOX_DIR: string = '.data/outbox';

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** Without credentials a channel writes to the outbox, except in production where it fails. */
  get outboxEnabled(): boolean {
    return !this.isProduction;
  }

  /** Each business alert rule's thresholds and scan interval, in milliseconds. */
  get alertRules(): Record<'signaturePending' | 'paymentOnHold' | 'bookingOverdue' | 'deliveryBacklog' | 'relayBehind' | 'channelUnreachable', AlertRuleTiming> & {
    channelFailing: { percent: number; windowMs: number; everyMs: number };
    remindersLate: { p95Ms: number; windowMs: number; everyMs: number };
  } {
    const timing = (setting: string): AlertRuleTiming => {
      const [afterMs, escalateAfterMs, everyMs] = parseDurationList(setting);
      return { afterMs, escalateAfterMs, everyMs };
    };
    const [percent, window, every] = this.ALERT_CHANNEL_FAILING.split(',').map((part) => part.trim());
    return {
      signaturePending: timing(this.ALERT_SIGNATURE_PENDING),
      paymentOnHold: timing(this.ALERT_PAYMENT_ON_HOLD),
      bookingOverdue: timing(this.ALERT_BOOKING_OVERDUE),
      deliveryBacklog: timing(this.ALERT_DELIVERY_BACKLOG),
      relayBehind: timing(this.ALERT_RELAY_BEHIND),
      channelUnreachable: timing(this.ALERT_CHANNEL_UNREACHABLE),
      channelFailing: { percent: Number(percent.replace('%', '')), windowMs: parseDuration(window), everyMs: parseDuration(every) },
      remindersLate: (([p95Ms, windowMs, everyMs]) => ({ p95Ms, windowMs, everyMs }))(parseDurationList(this.ALERT_REMINDERS_LATE)),
    };
  }

  /** ALERT_REPEAT by severity, in milliseconds; a severity left out is absent. */
  get alertRepeatMs(): Partial<Record<'low' | 'medium' | 'high' | 'critical', number>> {
    if (this.ALERT_REPEAT.trim() === '') return {};
    return Object.fromEntries(this.ALERT_REPEAT.split(',').map((entry) => entry.split('=')).map(([severity, every]) => [severity, parseDuration(every)]));
  }

  get notificationTiming() {
    return {
      reminders: parseSchedule(this.NOTIFY_REMINDER_OFFSETS),
      reminderOffsetsMs: parseSchedule(this.NOTIFY_REMINDER_OFFSETS).map((entry) => entry.ms),
      atStart: this.NOTIFY_AT_START,
      beforeEndMs: this.NOTIFY_BEFORE_END === 'off' ? null : parseDuration(this.NOTIFY_BEFORE_END),
      providerNextBookingMs: parseDuration(this.NOTIFY_PROVIDER_NEXT_BOOKING),
      agendaHour: this.NOTIFY_AGENDA_HOUR,
      completionHours: this.NOTIFY_COMPLETION_HOURS === 'off' ? [] : [...new Set(this.NOTIFY_COMPLETION_HOURS.split(',').map(Number))].sort((a, b) => a - b),
      queueHorizonMs: parseDuration(this.NOTIFY_QUEUE_HORIZON),
      promoteEveryMs: parseDuration(this.NOTIFY_PROMOTE_EVERY),
      retryDelaysMs: parseDurationList(this.NOTIFY_RETRY_DELAYS),
      sendingTimeoutMs: parseDuration(this.NOTIFY_SENDING_TIMEOUT),
      relayPollMs: parseDuration(this.NOTIFY_RELAY_POLL),
      dispatchBatch: this.NOTIFY_DISPATCH_BATCH,
      dispatchMaxBatches: this.NOTIFY_DISPATCH_MAX_BATCHES,
      dispatchLeaseMs: parseDuration(this.NOTIFY_DISPATCH_LEASE),
      dispatchPollMs: parseDuration(this.NOTIFY_DISPATCH_POLL),
      retentionDays: this.NOTIFY_RETENTION_DAYS,
    };
  }

  /** When the daily postal-code analytics run: minutes after local midnight, in `timezone`. */
  get analyticsSchedule(): { minuteOfDay: number; timezone: string } {
    const [hours, minutes] = this.ANALYTICS_DAILY_AT.split(':').map(Number);
    return { minuteOfDay: hours * 60 + minutes, timezone: this.ANALYTICS_TIMEZONE };
  }

  get shutdownDrainMs(): number {
    return parseDuration(this.SHUTDOWN_DRAIN_TIMEOUT);
  }

  get latenessWindowMs(): number {
    return parseDuration(this.METRICS_LATENESS_WINDOW);
  }

  get campaignFrequencyCap(): { max: number; windowMs: number } {
    const [max, window] = this.CAMPAIGN_FREQUENCY_CAP.split('/');
    return { max: Number(max), windowMs: parseDuration(window) };
  }

  get jwksAlgorithms(): string[] {
    return this.AUTH_JWKS_ALGORITHMS.split(',');
  }

  get throttleWindowMs(): number {
    return parseDuration(this.THROTTLE_WINDOW);
  }

  get sandboxEnabled(): boolean {
    return this.GRAPHQL_SANDBOX ?? !this.isProduction;
  }

  /** Concurrent sends per batch on `channel`: NOTIFY_SEND_CONCURRENCY, else the channel's default. */
  sendConcurrency(channel: string): number {
    const named = this.NOTIFY_SEND_CONCURRENCY.split(',').find((entry) => entry.startsWith(`${channel}=`));
    return named ? Math.max(1, Number(named.split('=')[1])) : (DEFAULT_SEND_CONCURRENCY[channel] ?? 5);
  }

  runs(part: Exclude<ProcessRole, ProcessRole.All>): boolean {
    return this.HERALD_ROLE === ProcessRole.All || this.HERALD_ROLE === part;
  }
}

/** In-app sends are local writes; Telegram is paced by its shared limit; SMTP and Twilio connections are costly. */
const DEFAULT_SEND_CONCURRENCY: Record<string, number> = { in_app: 100, telegram: 25, email: 5, sms: 5 };

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Herald configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

const shown = (property: string, value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (SECRET_SETTINGS.has(property) || (typeof value === 'string' && URL_WITH_CREDENTIALS.test(value))) return 'a value not shown here, as it may be a secret';
  return JSON.stringify(value);
};

const describe = (error: ValidationError): string =>
  `${error.property}: ${Object.values(error.constraints ?? {}).join('; ')} (got ${shown(error.property, error.value)})`;

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
