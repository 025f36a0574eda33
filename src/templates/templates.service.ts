import { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser, Role } from '../auth/role';
import { BookingsService } from '../bookings/bookings.service';
import { Clock } from '../core/clock/clock';
import { rawQuery } from '../core/database/raw-query';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { RenderContext, RenderedMessage } from '../notifications/rendering/message-renderer';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { TemplateSource } from './engine/template-engine';
import { sampleContext, TEMPLATE_VARIABLES, TemplateVariableDoc, templateVariables } from './engine/template-variables';
import { PreviewTemplateInput, TemplatesFilter, UpsertTemplateInput } from './dto/template.input';
import { TemplatePreview } from './dto/template.output';
import { MessageTemplate } from './message-template.entity';
import { asLocale, NoTemplateRendered, TemplateLibrary, TemplateOrigin } from './template-library';
import { TemplatesError } from './templates.error';

/** Types whose messages go to the provider; the others go to the customer. */
const PROVIDER_TYPES: ReadonlySet<NotificationType> = new Set([
  NotificationType.provider_new_booking,
  NotificationType.provider_next_booking,
  NotificationType.provider_daily_agenda,
  NotificationType.provider_completion_reminder,
]);

/**
 * Saved templates: versions, the active one per scope, who may change which, and previews.
 * Saving compiles the template and renders it against its type's sample message; a template
 * that fails either is refused with where and why, and nothing is written.
 */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly library: TemplateLibrary,
    private readonly users: UsersService,
    private readonly bookings: BookingsService,
  ) {}

  /** Saved versions, newest first; providers see their own and everyone's. */
  async list(caller: AuthUser, filter: TemplatesFilter = {}): Promise<MessageTemplate[]> {
    const where: FilterQuery<MessageTemplate> = {};
    if (filter.type) where.type = filter.type;
    if (filter.channel) where.channel = filter.channel;
    if (filter.locale) where.locale = filter.locale;
    if (filter.activeOnly) where.active = true;
    if (filter.providerId) where.provider = filter.providerId;
    if (!isAdminOrOps(caller)) where.$and = [{ $or: [{ provider: null }, { provider: caller.id }] }];
    return this.em.fork().find(MessageTemplate, where, { orderBy: { type: 'asc', channel: 'asc', locale: 'asc', version: 'desc' } });
  }

  /** Saves the next version of the input's scope (active unless `activate: false`). */
  async upsert(caller: AuthUser, input: UpsertTemplateInput): Promise<MessageTemplate> {
    const providerId = await this.scopeFor(caller, input.providerId ?? null);
    const source: TemplateSource = { subject: input.subject ?? null, body: input.body, format: input.format };
    this.assertRenders(source, input.type, input.channel, input);
    const activate = input.activate ?? true;
    const saved = await this.em.fork().transactional(async (tx) => {
      // One save per scope at a time: versions are numbered in order.
      await rawQuery(tx, `select pg_advisory_xact_lock(hashtext(?))`, [`message_templates|${input.type}|${input.channel}|${input.locale}|${providerId ?? '*'}`]);
      const scope = { type: input.type, channel: input.channel, locale: input.locale, provider: providerId };
      const [latest] = await tx.find(MessageTemplate, scope, { orderBy: { version: 'desc' }, limit: 1 });
      if (activate) await tx.nativeUpdate(MessageTemplate, { ...scope, active: true }, { active: false, updatedAt: this.clock.now() });
      const template = tx.create(MessageTemplate, {
        ...scope,
        provider: providerId ? tx.getReference(User, providerId) : null,
        version: (latest?.version ?? 0) + 1,
        subject: source.subject,
        body: source.body,
        format: source.format,
        active: activate,
        changedBy: (await this.users.lookup([caller.id])).has(caller.id) ? tx.getReference(User, caller.id) : null,
      });
      await tx.flush();
      return template;
    });
    await this.library.reload();
    return saved;
  }

  /** Makes a saved version the one its scope's messages use (a rollback is activating an older one). */
  async activate(caller: AuthUser, id: string): Promise<MessageTemplate> {
    const activated = await this.em.fork().transactional(async (tx) => {
      const template = await tx.findOne(MessageTemplate, { id });
      if (!template || !this.mayRead(caller, template)) throw TemplatesError.notFound(id);
      await this.scopeFor(caller, template.provider?.id ?? null);
      if (!template.active) {
        const scope = { type: template.type, channel: template.channel, locale: template.locale, provider: template.provider?.id ?? null };
        await tx.nativeUpdate(MessageTemplate, { ...scope, active: true }, { active: false, updatedAt: this.clock.now() });
        template.active = true;
        await tx.flush();
      }
      return template;
    });
    await this.library.reload();
    return activated;
  }

  /** The message a type would send on a channel in a language, about a real booking or the sample one; or a draft rendered instead. */
  async preview(caller: AuthUser, input: PreviewTemplateInput): Promise<TemplatePreview> {
    const now = this.clock.now();
    const context = input.bookingId ? await this.bookingContext(caller, input) : sampleContext(input.type, input.locale, now);
    if (input.draft) {
      const source: TemplateSource = { subject: input.draft.subject ?? null, body: input.draft.body, format: input.draft.format };
      const message = this.assertRenders(source, input.type, input.channel, input, context);
      return previewOf(message, source, { kind: 'draft' });
    }
    try {
      const { message, candidate } = this.library.render(context, input.channel, now);
      return previewOf(message, candidate.source, candidate.origin);
    } catch (error) {
      if (error instanceof NoTemplateRendered) throw TemplatesError.nothingRenders(error);
      throw error;
    }
  }

  variables(type: NotificationType): readonly TemplateVariableDoc[] {
    return TEMPLATE_VARIABLES[type];
  }

  /** The message `recipient` would get about a sample booking (for test sends), and that booking. */
  sample(type: NotificationType, channel: NotificationChannel, recipient: RenderContext['recipient']): { message: RenderedMessage; booking: RenderContext['booking'] } {
    const now = this.clock.now();
    const context = { ...sampleContext(type, asLocale(recipient.locale), now), recipient };
    return { message: this.library.render(context, channel, now).message, booking: context.booking };
  }

  /** Compiles and renders `source` against the type's sample (or `context`); the message, or BAD_USER_INPUT saying where and why. */
  private assertRenders(
    source: TemplateSource,
    type: NotificationType,
    channel: NotificationChannel,
    { locale }: { locale: UpsertTemplateInput['locale'] },
    context: RenderContext = sampleContext(type, locale, this.clock.now()),
  ): RenderedMessage {
    const result = this.library.tryRender(source, templateVariables(context, this.clock.now()));
    if ('message' in result) return result.message;
    throw result.error ? TemplatesError.invalid(result.error, type, channel) : TemplatesError.blank(type, channel);
  }

  /** Whose templates the caller may change: a provider its own, an admin anyone's (null: everyone's). */
  private async scopeFor(caller: AuthUser, providerId: string | null): Promise<string | null> {
    if (caller.roles.includes(Role.admin)) {
      if (providerId) (await this.users.lookup([providerId])).assertRole(providerId, Role.provider);
      return providerId;
    }
    if (caller.roles.includes(Role.provider) && (providerId === null || providerId === caller.id)) return caller.id;
    throw TemplatesError.notYours(providerId);
  }

  private mayRead(caller: AuthUser, template: MessageTemplate): boolean {
    return isAdminOrOps(caller) || !template.provider || template.provider.id === caller.id;
  }

  /** The sample message with a real booking the caller may see, addressed to the party that type goes to. */
  private async bookingContext(caller: AuthUser, input: PreviewTemplateInput): Promise<RenderContext> {
    const booking = await this.bookings.get(caller, input.bookingId!);
    const sample = sampleContext(input.type, input.locale, this.clock.now());
    // Staff notices and campaign messages are about an alert or an area, not a booking.
    if (!sample.booking && input.type !== NotificationType.provider_daily_agenda) return sample;
    const party = PROVIDER_TYPES.has(input.type) ? booking.provider : booking.customer;
    const recipient = { ...sample.recipient, id: party.id, name: party.name, timezone: party.timezone };
    if (input.type === NotificationType.provider_daily_agenda) return { ...sample, recipient, agenda: [booking] };
    return { ...sample, recipient, booking };
  }
}

function isAdminOrOps(caller: AuthUser): boolean {
  return caller.roles.includes(Role.admin) || caller.roles.includes(Role.ops);
}

function previewOf(message: RenderedMessage, source: TemplateSource, origin: TemplateOrigin | { kind: 'draft' }): TemplatePreview {
  const saved = origin.kind === 'saved' ? origin : null;
  return {
    subject: message.subject,
    text: message.text,
    html: message.html ?? null,
    telegramHtml: message.telegramHtml ?? null,
    templateId: saved?.id ?? null,
    version: saved?.version ?? null,
    shipped: origin.kind === 'shipped',
    sourceSubject: source.subject,
    sourceBody: source.body,
    format: source.format,
  };
}
