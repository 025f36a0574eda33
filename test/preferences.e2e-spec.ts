import { SmsStore } from '../src/channels/sms/sms.store';
import { NotificationType } from '../src/notifications/notification.entity';
import { UnsubscribeLinks } from '../src/preferences/unsubscribe-links';
import type { Persona } from './support/test-app';
import { startTestApp, TestApp } from './support/test-app';

const PREFERENCES_FIELDS = `userId locale timezone
  channels { channel enabled offBy offSince }
  types { type category critical enabled }
  reminderSchedule { before beforeSeconds channel }
  effectiveReminderSchedule { before channel }
  quietHours { start end }`;
const MY_PREFERENCES = `query { myPreferences { ${PREFERENCES_FIELDS} } }`;
const UPDATE = `mutation($input: UpdatePreferencesInput!) { updateMyPreferences(input: $input) { ${PREFERENCES_FIELDS} } }`;
const USER_PREFERENCES = `query($userId: ID!) { userPreferences(userId: $userId) { ${PREFERENCES_FIELDS} } }`;

interface PreferencesView {
  userId: string;
  locale: string;
  timezone: string;
  channels: { channel: string; enabled: boolean; offBy: string | null; offSince: string | null }[];
  types: { type: string; category: string; critical: boolean; enabled: boolean }[];
  reminderSchedule: { before: string; beforeSeconds: number; channel: string | null }[] | null;
  effectiveReminderSchedule: { before: string; channel: string | null }[];
  quietHours: { start: string; end: string } | null;
}

describe('preferences (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { HERALD_ROLE: 'api', PUBLIC_BASE_URL: 'https://herald.example' } });
  });
  afterAll(() => t?.close());

  const mine = async (persona: Persona): Promise<PreferencesView> => {
    const result = await t.gql<{ myPreferences: PreferencesView }>(MY_PREFERENCES, {}, t.tokens[persona]);
    expect(result.errors).toBeUndefined();
    return result.data!.myPreferences;
  };
  const update = (persona: Persona, input: Record<string, unknown>) => t.gql<{ updateMyPreferences: PreferencesView }>(UPDATE, { input }, t.tokens[persona]);
  const channel = (view: PreferencesView, name: string) => view.channels.find((one) => one.channel === name)!;
  const type = (view: PreferencesView, name: string) => view.types.find((one) => one.type === name)!;

  it('shows the defaults to a user who never set anything', async () => {
    const view = await mine('customer');
    expect(view).toMatchObject({ userId: t.users.customer.id, locale: 'en', timezone: 'Asia/Tashkent', reminderSchedule: null, quietHours: null });
    expect(view.channels).toEqual(['in_app', 'telegram', 'email', 'sms'].map((name) => ({ channel: name, enabled: true, offBy: null, offSince: null })));
    const categoryOf = (type: string) => (type === 'staff_alert' ? 'staff' : type.startsWith('area_') ? 'marketing' : 'booking');
    expect(view.types.every((one) => one.category === categoryOf(one.type))).toBe(true);
    // Marketing only after an opt-in.
    expect(view.types.filter((one) => !one.enabled).map((one) => one.type)).toEqual(['area_demand', 'area_promotion']);
    expect(view.types.filter((one) => one.critical).map((one) => one.type)).toEqual(['booking_rescheduled', 'booking_cancelled']);
    expect(view.effectiveReminderSchedule.map((entry) => entry.before)).toEqual(['3d', '36h', '1d', '3h', '1h']);
  });

  it('changes channels, types, the reminder schedule, quiet hours, language and time zone, and reads them back', async () => {
    const result = await update('customer', {
      channels: [{ channel: 'telegram', enabled: false }],
      types: [{ type: 'booking_ending_soon', enabled: false }],
      reminderSchedule: [{ before: '2d', channel: 'email' }, { before: '1d', channel: 'sms' }, { before: '120m', channel: 'sms' }, { before: '30m' }],
      quietHours: { start: '22:00', end: '07:30' },
      locale: 'uz',
      timezone: 'America/New_York',
    });
    expect(result.errors).toBeUndefined();
    const view = result.data!.updateMyPreferences;
    expect(channel(view, 'telegram')).toEqual({ channel: 'telegram', enabled: false, offBy: 'preferences', offSince: null });
    expect(type(view, 'booking_ending_soon').enabled).toBe(false);
    expect(view.reminderSchedule).toEqual([
      { before: '2d', beforeSeconds: 172_800, channel: 'email' },
      { before: '1d', beforeSeconds: 86_400, channel: 'sms' },
      { before: '2h', beforeSeconds: 7_200, channel: 'sms' },
      { before: '30m', beforeSeconds: 1_800, channel: null },
    ]);
    expect(view.effectiveReminderSchedule).toEqual(view.reminderSchedule!.map(({ before, channel: on }) => ({ before, channel: on })));
    expect(view).toMatchObject({ quietHours: { start: '22:00', end: '07:30' }, locale: 'uz', timezone: 'America/New_York' });
    expect(await mine('customer')).toEqual(view);

    // Omitted fields stay; null goes back to the default schedule and turns quiet hours off.
    const reset = (await update('customer', { reminderSchedule: null, quietHours: null, channels: [{ channel: 'telegram', enabled: true }] })).data!.updateMyPreferences;
    expect(reset).toMatchObject({ reminderSchedule: null, quietHours: null, locale: 'uz', timezone: 'America/New_York' });
    expect(reset.effectiveReminderSchedule.map((entry) => entry.before)).toEqual(['3d', '36h', '1d', '3h', '1h']);
    expect(channel(reset, 'telegram').enabled).toBe(true);
    expect(type(reset, 'booking_ending_soon').enabled).toBe(false);
  });

  it('applies concurrent changes one after the other, losing none (also on the first write)', async () => {
    const changes = ['telegram', 'email', 'sms', 'in_app'].map((name) => update('otherProvider', { channels: [{ channel: name, enabled: false }] }));
    for (const result of await Promise.all(changes)) expect(result.errors).toBeUndefined();
    expect((await mine('otherProvider')).channels.map((one) => one.enabled)).toEqual([false, false, false, false]);
    await update('otherProvider', { channels: ['telegram', 'email', 'sms', 'in_app'].map((name) => ({ channel: name, enabled: true })) });
  });

  it('refuses to turn a critical type off: BAD_USER_INPUT / CRITICAL_TYPE, and writes nothing', async () => {
    const before = await mine('otherCustomer');
    const result = await update('otherCustomer', { types: [{ type: 'booking_cancelled', enabled: false }], quietHours: { start: '23:00', end: '06:00' } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CRITICAL_TYPE', fields: [{ field: 'types', problems: ['booking_cancelled cannot be turned off'] }] });
    expect(await mine('otherCustomer')).toEqual(before);
  });

  it.each([
    ['shorter than a minute', [{ before: '30s' }], 'reminderSchedule', 'INVALID_REMINDER_SCHEDULE'],
    ['longer than 30 days', [{ before: '31d' }], 'reminderSchedule', 'INVALID_REMINDER_SCHEDULE'],
    ['a duplicate moment', [{ before: '1d', channel: 'sms' }, { before: '24h', channel: 'email' }], 'reminderSchedule', 'INVALID_REMINDER_SCHEDULE'],
    ['not whole seconds', [{ before: '1500ms' }], 'reminderSchedule.0.before', 'INVALID_INPUT'],
    ['not a duration', [{ before: 'tomorrow' }], 'reminderSchedule.0.before', 'INVALID_INPUT'],
    ['the in-app channel', [{ before: '1h', channel: 'in_app' }], 'reminderSchedule.0.channel', 'INVALID_INPUT'],
    ['more than 10 entries', Array.from({ length: 11 }, (_, i) => ({ before: `${i + 1}h` })), 'reminderSchedule', 'INVALID_INPUT'],
  ])('refuses a schedule with %s: BAD_USER_INPUT naming the field', async (_case, reminderSchedule, field, reason) => {
    const result = await update('otherCustomer', { reminderSchedule });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    expect((result.errors?.[0]?.extensions?.fields as { field: string }[]).map((one) => one.field)).toContain(field);
    expect((await mine('otherCustomer')).reminderSchedule).toBeNull();
  });

  it.each([
    ['quiet hours that are not HH:mm', { quietHours: { start: '25:00', end: '07:00' } }, 'quietHours.start'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['an unknown language', { locale: 'xx' }, 'locale'],
    ['a channel named twice', { channels: [{ channel: 'sms', enabled: false }, { channel: 'sms', enabled: true }] }, 'channels'],
  ])('refuses %s: BAD_USER_INPUT', async (_case, input, field) => {
    const result = await update('otherCustomer', input);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // An unknown enum value is refused by GraphQL itself, before validation names fields.
    if (field !== 'locale') expect((result.errors?.[0]?.extensions?.fields as { field: string }[]).map((one) => one.field)).toContain(field);
  });

  it("lets ops and admins read anyone's preferences, nobody else; an unknown user is NOT_FOUND", async () => {
    for (const persona of ['ops', 'admin'] as const) {
      const result = await t.gql<{ userPreferences: PreferencesView }>(USER_PREFERENCES, { userId: t.users.customer.id }, t.tokens[persona]);
      expect(result.errors).toBeUndefined();
      expect(result.data!.userPreferences.userId).toBe(t.users.customer.id);
    }
    for (const persona of ['otherCustomer', 'provider', 'finance'] as const) {
      const result = await t.gql(USER_PREFERENCES, { userId: t.users.customer.id }, t.tokens[persona]);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await t.gql(USER_PREFERENCES, { userId: t.users.customer.id })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.gql(MY_PREFERENCES)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await t.gql(USER_PREFERENCES, { userId: '00000000-0000-4000-8000-000000000000' }, t.tokens.admin);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'USER_NOT_FOUND' });
  });

  it('shows SMS switched off by the carrier (STOP, Twilio 21610)', async () => {
    await t.app.get(SmsStore).turnOffSms(t.users.provider.id);
    const sms = channel(await mine('provider'), 'sms');
    expect(sms).toMatchObject({ enabled: false, offBy: 'sms_stop' });
    expect(sms.offSince).not.toBeNull();
  });

  describe('one-click unsubscribe', () => {
    const links = () => t.app.get(UnsubscribeLinks);
    const endpoint = (link: string) => `${t.url}${new URL(link).pathname}${new URL(link).search}`;
    const post = (link: string, body: string) =>
      fetch(endpoint(link), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

    it('a mail client’s one-click POST switches email off, shown in myPreferences as by the link', async () => {
      const link = links().urlFor({ userId: t.users.finance.id, type: NotificationType.booking_reminder })!;
      expect(link).toMatch(/^https:\/\/herald\.example\/email\/unsubscribe\?token=/);
      // Opening the link only asks.
      const page = await fetch(endpoint(link));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Stop all email');
      expect(channel(await mine('finance'), 'email').enabled).toBe(true);

      expect((await post(link, 'List-Unsubscribe=One-Click')).status).toBe(200);
      const email = channel(await mine('finance'), 'email');
      expect(email).toMatchObject({ enabled: false, offBy: 'unsubscribe_link' });
      expect(email.offSince).not.toBeNull();
      // Replayed: still off, nothing else changes.
      expect((await post(link, 'List-Unsubscribe=One-Click')).status).toBe(200);
      expect(channel(await mine('finance'), 'email')).toEqual(email);
      // The user turns it back on.
      const back = (await update('finance', { channels: [{ channel: 'email', enabled: true }] })).data!.updateMyPreferences;
      expect(channel(back, 'email')).toEqual({ channel: 'email', enabled: true, offBy: null, offSince: null });
    });

    it('the page can stop only the type of the email instead', async () => {
      const link = links().urlFor({ userId: t.users.otherProvider.id, type: NotificationType.provider_daily_agenda })!;
      expect((await post(link, 'scope=type')).status).toBe(200);
      const view = await mine('otherProvider');
      expect(type(view, 'provider_daily_agenda').enabled).toBe(false);
      expect(channel(view, 'email').enabled).toBe(true);
    });

    it('refuses a forged or broken token and changes nothing', async () => {
      const link = links().urlFor({ userId: t.users.admin.id, type: NotificationType.booking_reminder })!;
      const forged = link.replace(t.users.admin.id, t.users.ops.id);
      expect((await post(forged, 'List-Unsubscribe=One-Click')).status).toBe(400);
      expect((await post(`${link}x`, 'List-Unsubscribe=One-Click')).status).toBe(400);
      expect((await fetch(`${t.url}/email/unsubscribe`)).status).toBe(400);
      expect(channel(await mine('ops'), 'email').enabled).toBe(true);
      // Even a genuine link cannot turn a critical type off.
      const critical = links().urlFor({ userId: t.users.admin.id, type: NotificationType.booking_cancelled })!;
      expect((await post(critical, 'scope=type')).status).toBe(400);
      expect(type(await mine('admin'), 'booking_cancelled').enabled).toBe(true);
    });
  });
});
