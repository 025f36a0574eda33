import { NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { TemplateFormat } from '../src/templates/engine/template-format';
import { sampleContext } from '../src/templates/engine/template-variables';
import { MessageTemplate } from '../src/templates/message-template.entity';
import { NoTemplateRendered, TemplateLibrary } from '../src/templates/template-library';
import { Locale } from '../src/users/user.entity';
import { dataOf, errorOf } from './bookings.fixtures';
import { insertBooking, insertNotification, settled } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const UPSERT = `mutation($input: UpsertTemplateInput!) {
  upsertTemplate(input: $input) { id type channel locale providerId version subject body format active changedById createdAt }
}`;
const ACTIVATE = `mutation($id: ID!) { activateTemplateVersion(id: $id) { id version active } }`;
const TEMPLATES = `query($filter: TemplatesFilter) { templates(filter: $filter) { id version active providerId } }`;
const PREVIEW = `query($input: PreviewTemplateInput!) {
  previewTemplate(input: $input) { subject text html telegramHtml templateId version shipped sourceSubject sourceBody format }
}`;
const VARIABLES = `query($type: NotificationType!) { templateVariables(type: $type) { name type description example } }`;

interface Saved {
  id: string;
  version: number;
  active: boolean;
  providerId: string | null;
  changedById: string | null;
}

describe('templates (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NOTIFY_CHANNELS: 'email' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const reminder = (overrides: Record<string, unknown> = {}) => ({
    type: NotificationType.booking_reminder,
    channel: NotificationChannel.in_app,
    locale: Locale.en,
    subject: 'Soon: {{ booking.service }}',
    body: 'Hello {{ recipient.name }}, {{ booking.service }} starts {{ booking.startsAt | date }} at {{ booking.startsAt | time }}.',
    format: TemplateFormat.plain,
    ...overrides,
  });
  const save = async (input: Record<string, unknown>, as: 'admin' | 'provider' | 'otherProvider' = 'admin') =>
    dataOf(await t.gql<{ upsertTemplate: Saved }>(UPSERT, { input }, t.tokens[as])).upsertTemplate;
  const scopeRows = (type: NotificationType) => t.orm.em.fork().count(MessageTemplate, { type });

  it('saves versions, makes the newest active, and delivers messages in its words', async () => {
    const first = await save(reminder({ channel: NotificationChannel.email, locale: Locale.ru, body: 'v1 {{ booking.service }}' }));
    const second = await save(reminder({ channel: NotificationChannel.email, locale: Locale.ru, body: 'v2 {{ booking.service }}' }));
    expect(first).toMatchObject({ version: 1, active: true, providerId: null, changedById: t.users.admin.id });
    expect(second).toMatchObject({ version: 2, active: true });
    const listed = dataOf(await t.gql<{ templates: Saved[] }>(TEMPLATES, { filter: { channel: 'email', locale: 'ru' } }, t.tokens.admin)).templates;
    expect(listed.map((row) => [row.version, row.active])).toEqual([
      [2, true],
      [1, false],
    ]);

    const saved = await save(reminder());
    expect(saved.version).toBe(1);
    const row = await insertNotification(t, { channel: NotificationChannel.in_app });
    const done = await settled(t, row.id);
    expect(done).toMatchObject({ status: NotificationStatus.sent, subject: 'Soon: Haircut' });
    expect(done.body).toMatch(/^Hello Kamola Customer, Haircut starts \w+day, \d+ \w+ \d{4} at \d\d:\d\d\.$/);
  });

  it('rolls back by activating an older version', async () => {
    const input = reminder({ type: NotificationType.booking_starting, body: 'one {{ booking.service }}' });
    const one = await save(input);
    await save({ ...input, body: 'two {{ booking.service }}' });
    const activated = dataOf(await t.gql<{ activateTemplateVersion: Saved }>(ACTIVATE, { id: one.id }, t.tokens.admin)).activateTemplateVersion;
    expect(activated).toMatchObject({ id: one.id, active: true });
    const active = await t.orm.em.fork().find(MessageTemplate, { type: NotificationType.booking_starting, active: true });
    expect(active.map((template) => template.version)).toEqual([1]);
    const preview = dataOf(await t.gql<{ previewTemplate: { text: string; version: number } }>(PREVIEW, { input: { type: 'booking_starting', channel: 'in_app', locale: 'en' } }, t.tokens.admin));
    expect(preview.previewTemplate).toMatchObject({ text: 'one Haircut', version: 1 });
  });

  it.each([
    ['an unknown variable', 'Hi {{ recipient.nmae }}', { part: 'body', line: 1, column: 7, cause: expect.stringContaining('recipient.nmae') }],
    ['an unknown filter', 'Hi\n{{ booking.service | shout }}', { part: 'body', line: 2, cause: expect.stringContaining('shout') }],
    ['a syntax error', 'Hi {% if booking.address %}\nno end', { part: 'body', line: 1, cause: expect.stringContaining('if') }],
  ])('refuses a template with %s, saying where and why, and saves nothing', async (_case, body, where) => {
    const before = await scopeRows(NotificationType.booking_ending_soon);
    const error = errorOf(await t.gql(UPSERT, { input: reminder({ type: NotificationType.booking_ending_soon, body }) }, t.tokens.admin));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TEMPLATE_INVALID', ...where });
    expect(typeof error.extensions.column).toBe('number');
    expect(await scopeRows(NotificationType.booking_ending_soon)).toBe(before);
  });

  it('refuses a template that renders an empty message', async () => {
    const error = errorOf(await t.gql(UPSERT, { input: reminder({ body: '{% if false %}x{% endif %}' }) }, t.tokens.admin));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TEMPLATE_INVALID' });
  });

  describe('providers', () => {
    const nextBooking = (body: string) => reminder({ type: NotificationType.booking_confirmation, channel: NotificationChannel.email, body });

    it("word their own bookings' messages; others keep everyone's", async () => {
      const mine = await save(nextBooking('From Pavel: {{ booking.service }}'), 'provider');
      expect(mine).toMatchObject({ providerId: t.users.provider.id, version: 1 });
      const ownBooking = await insertBooking(t);
      const othersBooking = await insertBooking(t, { provider: t.users.otherProvider });
      const own = await insertNotification(t, { booking: ownBooking, type: NotificationType.booking_confirmation, channel: NotificationChannel.email });
      const others = await insertNotification(t, { booking: othersBooking, type: NotificationType.booking_confirmation, channel: NotificationChannel.email });
      expect((await settled(t, own.id)).body).toBe('From Pavel: Haircut');
      expect((await settled(t, others.id)).body).not.toContain('From Pavel');
    });

    it("cannot change another provider's or everyone's templates", async () => {
      for (const providerId of [t.users.otherProvider.id]) {
        const error = errorOf(await t.gql(UPSERT, { input: { ...nextBooking('x {{ booking.service }}'), providerId } }, t.tokens.provider));
        expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TEMPLATE_NOT_YOURS' });
      }
      const theirs = await save(nextBooking('Polina: {{ booking.service }}'), 'otherProvider');
      expect(errorOf(await t.gql(ACTIVATE, { id: theirs.id }, t.tokens.provider)).extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'TEMPLATE_NOT_FOUND' });
      const listed = dataOf(await t.gql<{ templates: Saved[] }>(TEMPLATES, {}, t.tokens.provider)).templates;
      expect(listed.some((row) => row.providerId === t.users.otherProvider.id)).toBe(false);
    });

    it('customers cannot save or read templates', async () => {
      expect(errorOf(await t.gql(UPSERT, { input: reminder() }, t.tokens.customer)).extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(errorOf(await t.gql(TEMPLATES, {}, t.tokens.customer)).extensions).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('preview', () => {
    it('renders the shipped template for a sample booking, with its source', async () => {
      const { previewTemplate } = dataOf(
        await t.gql<{ previewTemplate: Record<string, unknown> }>(PREVIEW, { input: { type: 'provider_next_booking', channel: 'telegram', locale: 'uz' } }, t.tokens.ops),
      );
      expect(previewTemplate).toMatchObject({ shipped: true, templateId: null, format: 'telegram_html', telegramHtml: expect.stringContaining('<b>') });
      expect(previewTemplate.text).toContain('Keyingi navbat');
      expect(previewTemplate.sourceBody).toContain('{{');
    });

    it("renders a real booking the caller may see, and refuses one it may not", async () => {
      const booking = await insertBooking(t, { serviceName: 'Beard trim' });
      const input = { type: 'booking_cancelled', channel: 'sms', locale: 'ru', bookingId: booking.id };
      const { previewTemplate } = dataOf(await t.gql<{ previewTemplate: { text: string } }>(PREVIEW, { input }, t.tokens.provider));
      expect(previewTemplate.text).toContain('Beard trim');
      expect(errorOf(await t.gql(PREVIEW, { input }, t.tokens.otherProvider)).extensions).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('renders a draft, and reports a broken one with its position', async () => {
      const draft = { subject: null, body: '<b>{{ booking.service }}</b> {{ booking.address }}', format: 'telegram_html' };
      const ok = await t.gql<{ previewTemplate: { telegramHtml: string; shipped: boolean } }>(
        PREVIEW,
        { input: { type: 'booking_reminder', channel: 'telegram', locale: 'en', draft } },
        t.tokens.admin,
      );
      expect(dataOf(ok).previewTemplate).toMatchObject({ shipped: false, telegramHtml: expect.stringMatching(/^<b>.+<\/b> /) });
      const broken = await t.gql(PREVIEW, { input: { type: 'booking_reminder', channel: 'telegram', locale: 'en', draft: { ...draft, body: '{{ nope }}' } } }, t.tokens.admin);
      expect(errorOf(broken).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TEMPLATE_INVALID', line: 1 });
    });
  });

  it("documents each type's variables", async () => {
    const { templateVariables } = dataOf(await t.gql<{ templateVariables: { name: string }[] }>(VARIABLES, { type: 'booking_reminder' }, t.tokens.provider));
    expect(templateVariables.map((variable) => variable.name)).toEqual(expect.arrayContaining(['recipient.name', 'booking.startsAt', 'booking.service']));
  });

  describe('fallback chain', () => {
    it("tries the provider's version, everyone's, the shipped one, then the default language, then the plain in-app body", async () => {
      const scope = { type: NotificationType.booking_confirmation, channel: NotificationChannel.sms, locale: Locale.ru, body: 'Запись: {{ booking.service }}' };
      const everyones = await save(reminder(scope));
      const providers = await save(reminder({ ...scope, body: 'Павел: {{ booking.service }}' }), 'provider');
      const chain = t.app.get(TemplateLibrary).candidates(NotificationType.booking_confirmation, NotificationChannel.sms, Locale.ru, t.users.provider.id);
      expect(chain.map((candidate) => (candidate.origin.kind === 'saved' ? candidate.origin.id : candidate.cacheKey))).toEqual([
        providers.id,
        everyones.id,
        'shipped:booking_confirmation|sms|ru',
        'shipped:booking_confirmation|sms|en',
        'shipped:booking_confirmation|in_app|ru',
        'shipped:booking_confirmation|in_app|en',
      ]);
      // Another provider's bookings skip the first.
      const others = t.app.get(TemplateLibrary).candidates(NotificationType.booking_confirmation, NotificationChannel.sms, Locale.ru, t.users.otherProvider.id);
      expect(others[0].origin).toMatchObject({ kind: 'saved', id: everyones.id });
    });

    it('falls back to the shipped words when a saved version cannot word a real message', async () => {
      // Fine for the sample (which has an address); a booking without one names a variable that does not exist.
      await save(reminder({ type: NotificationType.booking_rescheduled, body: '{% if booking.address %}{{ booking.service }}{% else %}{{ missing }}{% endif %}' }));
      const booking = await insertBooking(t, { address: null });
      const row = await insertNotification(t, { booking, type: NotificationType.booking_rescheduled, channel: NotificationChannel.in_app });
      const done = await settled(t, row.id);
      expect(done.status).toBe(NotificationStatus.sent);
      expect(done.body).toContain('This booking has moved to a new time.');
    });

    it('fails for good, with every reason, when nothing renders', () => {
      const context = { ...sampleContext(NotificationType.booking_reminder, Locale.en, t.clock.now()), booking: null };
      let thrown: unknown;
      try {
        t.app.get(TemplateLibrary).render(context, NotificationChannel.in_app, t.clock.now());
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(NoTemplateRendered);
      expect((thrown as NoTemplateRendered).message).toContain('has no booking to render');
    });
  });
});
