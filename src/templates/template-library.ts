import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HeraldConfig } from '../core/config/herald-config';
import { PgListener } from '../core/database/pg-listener';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { RenderContext, RenderedMessage } from '../notifications/rendering/message-renderer';
import { Locale } from '../users/user.entity';
import { defaultTemplate } from './defaults/default-templates';
import { TemplateEngine, TemplateError, TemplateSource } from './engine/template-engine';
import { TemplateFormat } from './engine/template-format';
import { templateVariables, TemplateVariables } from './engine/template-variables';
import { MessageTemplate } from './message-template.entity';
import { briefError } from '../core/errors/graphql-error.filter';

/** The NOTIFY channel every change of message_templates announces itself on (see the templates migration). */
export const TEMPLATES_CHANGED_CHANNEL = 'herald_templates_changed';
/** How often each process reloads the active templates without being told (the NOTIFY is the fast path). */
const RELOAD_EVERY_MS = 60_000;

/** Where a template came from: a saved version, or the words Herald ships. */
export type TemplateOrigin = { kind: 'saved'; id: string; version: number; providerId: string | null } | { kind: 'shipped' };

/** A template the chain may try: its source, where it came from, and the key its compiled form is cached under. */
export interface Candidate {
  source: TemplateSource;
  origin: TemplateOrigin;
  cacheKey: string;
}

/** A message rendered from the first candidate of the chain that rendered. */
export interface Rendered {
  message: RenderedMessage;
  candidate: Candidate;
}

/** Nothing in the whole chain rendered: each candidate's error, in order. */
export class NoTemplateRendered extends Error {
  constructor(
    readonly type: NotificationType,
    readonly channel: NotificationChannel,
    readonly failures: readonly string[],
  ) {
    super(`no template renders ${type} on ${channel}: ${failures.join('; ') || 'none exists'}`);
    this.name = 'NoTemplateRendered';
  }
}

const scopeKey = (type: NotificationType, channel: NotificationChannel, locale: Locale, providerId: string | null) =>
  `${type}|${channel}|${locale}|${providerId ?? '*'}`;

/**
 * The templates every process renders with: the active saved versions, held in memory and
 * reloaded when a change is announced (and every minute regardless), over the words Herald
 * ships. For a message it walks the fallback chain:
 *   1. (type, channel, recipient's locale): the provider's version, everyone's version, the shipped one;
 *   2. the same in TEMPLATES_DEFAULT_LOCALE;
 *   3. the type's plain in-app body in the recipient's locale, then in the default locale;
 * and returns the first that renders to a non-empty message. Compiled templates are cached by
 * saved id and version (or shipped key), so rendering costs no parsing and no query.
 */
@Injectable()
export class TemplateLibrary implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TemplateLibrary.name);
  private active = new Map<string, MessageTemplate>();
  private listener: PgListener | null = null;
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;

  constructor(
    private readonly em: EntityManager,
    private readonly engine: TemplateEngine,
    private readonly config: HeraldConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.listener = new PgListener(this.config.DATABASE_URL, [TEMPLATES_CHANGED_CHANNEL], () => void this.reload(), RELOAD_EVERY_MS, 'templates');
    await this.listener.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
  }

  /** Reads the active versions again; concurrent calls share one read, and one that arrives during a read makes another after it. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        try {
          const rows = await this.em.fork().find(MessageTemplate, { active: true });
          this.active = new Map(rows.map((row) => [scopeKey(row.type, row.channel, row.locale, row.provider?.id ?? null), row]));
        } catch (error) {
          this.logger.warn(`Could not reload templates (${briefError(error)}); keeping the ones loaded`);
        }
      } while (this.reloadAgain);
      this.reloading = null;
    })();
    return this.reloading;
  }

  /** The candidates of the chain, in order, for a message of `type` on `channel` to `locale`, about `providerId`'s booking. */
  candidates(type: NotificationType, channel: NotificationChannel, locale: Locale, providerId: string | null): Candidate[] {
    const fallbackLocale = this.config.TEMPLATES_DEFAULT_LOCALE as Locale;
    const locales = locale === fallbackLocale ? [locale] : [locale, fallbackLocale];
    const chain: Candidate[] = [];
    for (const language of locales) chain.push(...this.scopeCandidates(type, channel, language, providerId));
    if (channel !== NotificationChannel.in_app) {
      for (const language of locales) {
        for (const candidate of this.scopeCandidates(type, NotificationChannel.in_app, language, providerId)) {
          if (candidate.source.format === TemplateFormat.plain) chain.push(candidate);
        }
      }
    }
    return chain;
  }

  /** Renders the first candidate of the chain that renders a non-empty message. */
  render(context: RenderContext, channel: NotificationChannel, now: Date): Rendered {
    const { notification, recipient, booking } = context;
    const locale = asLocale(recipient.locale);
    // A provider's own templates speak for messages about its bookings, and for its agenda.
    const providerId = booking?.provider.id ?? (notification.type === NotificationType.provider_daily_agenda ? recipient.id : null);
    let variables: TemplateVariables;
    try {
      variables = templateVariables(context, now);
    } catch (error) {
      // The message lacks what its type is about (a booking message without its booking): no template can word it.
      throw new NoTemplateRendered(notification.type, channel, [briefError(error)]);
    }
    const failures: string[] = [];
    for (const candidate of this.candidates(notification.type, channel, locale, providerId)) {
      const result = this.tryRender(candidate.source, variables, candidate.cacheKey);
      if ('message' in result) return { message: result.message, candidate };
      failures.push(`${describe(candidate.origin)}: ${result.failure}`);
    }
    throw new NoTemplateRendered(notification.type, channel, failures);
  }

  /** Renders one source with `variables`: the message, or why it did not render. Also the check a save runs. */
  tryRender(source: TemplateSource, variables: TemplateVariables, cacheKey?: string): { message: RenderedMessage } | { failure: string; error?: TemplateError } {
    try {
      const compiled = this.engine.compile(source, cacheKey);
      const message = this.engine.render(compiled, variables);
      if (!message.text.trim()) return { failure: 'the rendered body is empty' };
      return { message };
    } catch (error) {
      if (error instanceof TemplateError) return { failure: error.message, error };
      throw error;
    }
  }

  private scopeCandidates(type: NotificationType, channel: NotificationChannel, locale: Locale, providerId: string | null): Candidate[] {
    const found: Candidate[] = [];
    const shipped = defaultTemplate(type, channel, locale);
    for (const scope of providerId ? [providerId, null] : [null]) {
      const saved = this.active.get(scopeKey(type, channel, locale, scope));
      if (saved) {
        // A saved version without a subject keeps the shipped one.
        const source = { subject: saved.subject ?? shipped?.subject ?? null, body: saved.body, format: saved.format };
        found.push({ source, origin: { kind: 'saved', id: saved.id, version: saved.version, providerId: scope }, cacheKey: `saved:${saved.id}` });
      }
    }
    if (shipped) found.push({ source: shipped, origin: { kind: 'shipped' }, cacheKey: `shipped:${type}|${channel}|${locale}` });
    return found;
  }
}

function describe(origin: TemplateOrigin): string {
  return origin.kind === 'shipped' ? 'shipped template' : `template ${origin.id} v${origin.version}`;
}

/** The user's locale as a template locale; users can only hold these. */
export function asLocale(locale: string): Locale {
  return (Object.values(Locale) as string[]).includes(locale) ? (locale as Locale) : Locale.en;
}
