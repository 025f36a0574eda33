import { Campaign, CampaignRun } from '../src/analytics/campaigns/campaign.entity';
import { CampaignsService } from '../src/analytics/campaigns/campaigns.service';
import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { DeliveryService } from '../src/notifications/delivery/delivery.service';
import { CampaignKind, Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { PreferenceChanges } from '../src/preferences/preference-changes.service';
import { Role } from '../src/auth/role';
import { Locale, User } from '../src/users/user.entity';
import { dataOf, errorOf } from './bookings.fixtures';
import { HOUR, insertBooking } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const PREVIEW = `query($id: ID!, $date: Date) { previewCampaign(id: $id, date: $date) { day figuresDay recipients areas { postalCode bookings providers recipients } } }`;
const RUN = `mutation($id: ID!, $dryRun: Boolean) { runCampaign(id: $id, dryRun: $dryRun) { id day figuresDay dryRun recipients planned skipped areas } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { kind schedule timezone bookingsOver percent } }`;
const CAMPAIGNS = `query { campaigns { id kind enabled schedule timezone bookingsOver perProviderOver providersUnder bookingsUnder percent } }`;

interface RunView {
  id: string;
  day: string;
  figuresDay: string;
  dryRun: boolean;
  recipients: number;
  planned: number;
  skipped: Record<string, number>;
  areas: { postalCode: string; bookings: number; providers: number; recipients: number }[];
}

/** 2031-03-11 09:00 in Tashkent (UTC+5): high demand's hour; its figures are of 10 March. */
const NINE_AM = new Date('2031-03-11T04:00:00Z');
const FIGURES_DAY = '2031-03-10';

describe('location campaigns (e2e)', () => {
  let t: TestApp;
  let campaigns: Record<CampaignKind, string>;
  let users = 0;
  let slots = 0;

  beforeAll(async () => {
    t = await startTestApp({ env: { HERALD_ROLE: 'api', CAMPAIGN_FREQUENCY_CAP: '1/7d' } });
    const list = dataOf(await t.gql<{ campaigns: { id: string; kind: CampaignKind }[] }>(CAMPAIGNS, {}, t.tokens.admin)).campaigns;
    campaigns = Object.fromEntries(list.map((campaign) => [campaign.kind, campaign.id])) as Record<CampaignKind, string>;
  });
  afterAll(() => t?.close());

  async function person(role: Role, area: { postalCode?: string; serves?: string[] }, optedIn: NotificationType[] = []): Promise<User> {
    const em = t.orm.em.fork();
    const n = users++;
    const user = em.create(User, {
      name: `Campaign ${role} ${n}`,
      email: `campaign-${role}-${n}@herald.test`,
      phone: null,
      locale: Locale.en,
      timezone: 'Asia/Tashkent',
      roles: [role],
      postalCode: area.postalCode ?? null,
      postalCodes: area.serves ?? [],
    });
    await em.flush();
    if (optedIn.length) await t.app.get(PreferenceChanges).update(user.id, { types: optedIn.map((type) => ({ type, enabled: true })) });
    return user;
  }

  /** `count` bookings in `postalCode` starting on FIGURES_DAY (local), with `provider`. */
  async function bookingsIn(postalCode: string, count: number, provider: User): Promise<void> {
    for (let i = 0; i < count; i++) {
      // Ten-minute slots from 05:00 local: one provider's bookings never overlap.
      const startsAt = new Date(Date.parse(`${FIGURES_DAY}T00:00:00Z`) + slots++ * 10 * 60_000);
      await insertBooking(t, { postalCode, provider: t.orm.em.fork().getReference(User, provider.id), startsAt, endsAt: new Date(startsAt.getTime() + 10 * 60_000), status: BookingStatus.confirmed });
    }
  }

  const messagesTo = (user: User, type: NotificationType) => t.orm.em.fork().find(Notification, { recipient: user.id, type }, { orderBy: { channel: 'asc' } });

  it('lists the three campaigns with seed 004\'s thresholds, and lets only admins change or run them', async () => {
    const list = dataOf(await t.gql<{ campaigns: Record<string, unknown>[] }>(CAMPAIGNS, {}, t.tokens.ops)).campaigns;
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'high_demand', schedule: '0 9 * * *', bookingsOver: 5, perProviderOver: 3 }),
        expect.objectContaining({ kind: 'provider_bonus', schedule: '0 10 * * *', bookingsOver: 8, providersUnder: 3, percent: 15 }),
        expect.objectContaining({ kind: 'low_activity', schedule: '0 11 * * 1,3,5', bookingsUnder: 3, percent: 25 }),
      ]),
    );
    expect(errorOf(await t.gql(RUN, { id: campaigns.high_demand }, t.tokens.ops)).extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await t.gql(CAMPAIGNS, {}, t.tokens.customer)).extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await t.gql(UPDATE, { id: campaigns.high_demand, input: { schedule: '61 9 * * *' } }, t.tokens.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(errorOf(await t.gql(UPDATE, { id: campaigns.high_demand, input: { timezone: 'Mars/Olympus' } }, t.tokens.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(errorOf(await t.gql(PREVIEW, { id: '00000000-0000-4000-8000-000000000999' }, t.tokens.admin)).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it("picks an area with more bookings than the threshold (6, not 5), writes to its opted-in providers once a day, and records the run", async () => {
    t.clock.travelTo(NINE_AM);
    const [hot, warm] = ['700001', '700002'];
    const optedIn = await person(Role.provider, { serves: [hot, warm] }, [NotificationType.area_demand]);
    const notOptedIn = await person(Role.provider, { serves: [hot] });
    const elsewhere = await person(Role.provider, { serves: ['799999'] }, [NotificationType.area_demand]);
    // Two providers serve each area, so per provider the counts stay at or under 3.
    await bookingsIn(hot, 6, optedIn);
    await bookingsIn(warm, 5, optedIn);
    await person(Role.provider, { serves: [warm] });

    const preview = dataOf(await t.gql<{ previewCampaign: RunView }>(PREVIEW, { id: campaigns.high_demand }, t.tokens.ops)).previewCampaign;
    expect(preview).toMatchObject({ day: '2031-03-11', figuresDay: FIGURES_DAY });
    expect(preview.areas.filter((area) => area.postalCode.startsWith('7000'))).toEqual([{ postalCode: hot, bookings: 6, providers: 2, recipients: 2 }]);

    const before = await t.orm.em.fork().count(Notification, { type: NotificationType.area_demand });
    const dry = dataOf(await t.gql<{ runCampaign: RunView }>(RUN, { id: campaigns.high_demand, dryRun: true }, t.tokens.admin)).runCampaign;
    expect(dry).toMatchObject({ dryRun: true, planned: 1 });
    expect(await t.orm.em.fork().count(Notification, { type: NotificationType.area_demand })).toBe(before);
    expect(await t.orm.em.fork().count(CampaignRun, { id: dry.id })).toBe(0);

    const run = dataOf(await t.gql<{ runCampaign: RunView }>(RUN, { id: campaigns.high_demand }, t.tokens.admin)).runCampaign;
    expect(run).toMatchObject({ dryRun: false, day: '2031-03-11', figuresDay: FIGURES_DAY, planned: 1, skipped: expect.objectContaining({ not_opted_in: 1 }) });
    const sent = await messagesTo(optedIn, NotificationType.area_demand);
    expect(sent.map((row) => [row.channel, row.status])).toEqual([
      [NotificationChannel.in_app, NotificationStatus.queued],
      [NotificationChannel.email, NotificationStatus.queued],
    ].sort());
    expect(sent[0].payload.campaign).toMatchObject({ kind: 'high_demand', postalCode: hot, bookings: 6, providers: 2, date: FIGURES_DAY });
    expect(await messagesTo(notOptedIn, NotificationType.area_demand)).toEqual([]);
    expect(await messagesTo(elsewhere, NotificationType.area_demand)).toEqual([]);
    expect(await t.orm.em.fork().findOneOrFail(CampaignRun, run.id)).toMatchObject({ planned: 1, recipients: 2 });

    // The same day again: nothing twice.
    const again = dataOf(await t.gql<{ runCampaign: RunView }>(RUN, { id: campaigns.high_demand }, t.tokens.admin)).runCampaign;
    expect(again).toMatchObject({ planned: 0, skipped: expect.objectContaining({ already_sent: 1 }) });
    expect(await messagesTo(optedIn, NotificationType.area_demand)).toHaveLength(2);

    // The area's figures of that day say which campaigns they set off, and the alerts raised about its bookings.
    const [booking] = await t.orm.em.fork().find(Booking, { postalCode: hot }, { limit: 1 });
    await t.orm.em.fork().getConnection().execute(
      `insert into business_alerts (id, created_at, updated_at, type, severity, status, title, dedup_key, first_seen_at, last_seen_at, metadata)
       values (gen_random_uuid(), now(), now(), 'booking_overdue', 'high', 'active', 'Overdue', ?, ?, ?, ?::jsonb)`,
      [`booking_overdue:${booking.id}`, new Date(`${FIGURES_DAY}T20:00:00Z`), new Date(`${FIGURES_DAY}T20:00:00Z`), JSON.stringify({ bookingId: booking.id })],
    );
    const figures = dataOf(
      await t.gql<{ postalCodeAnalytics: { nodes: { day: string; campaigns: string[]; alerts: number }[] } }>(
        `query($code: String) { postalCodeAnalytics(postalCode: $code) { nodes { day campaigns alerts } } }`,
        { code: hot },
        t.tokens.ops,
      ),
    ).postalCodeAnalytics.nodes;
    expect(figures).toEqual([{ day: FIGURES_DAY, campaigns: ['high_demand'], alerts: 1 }]);

    // Sent at once: its words say the area's figures.
    const inApp = sent.find((row) => row.channel === NotificationChannel.in_app)!;
    expect(await t.app.get(DeliveryService).deliver(inApp.id)).toEqual({ status: 'sent' });
    expect((await t.orm.em.fork().findOneOrFail(Notification, inApp.id)).body).toContain(`Demand is high in ${hot}: 6 bookings on Monday, 10 March 2031 for 2 provider(s).`);
  });

  it('offers the bonus where bookings are many and providers few, within the frequency cap', async () => {
    t.clock.travelTo(new Date(NINE_AM.getTime() + HOUR));
    const area = '710001';
    const capped = await person(Role.provider, { serves: [area] }, [NotificationType.area_demand]);
    const fresh = await person(Role.provider, { serves: [area] }, [NotificationType.area_demand]);
    await bookingsIn(area, 9, fresh);
    // This morning's high-demand message already went to `capped` (cap: 1 a week).
    await t.gql(RUN, { id: campaigns.high_demand }, t.tokens.admin);
    await t.orm.em.fork().nativeDelete(Notification, { recipient: fresh.id, type: NotificationType.area_demand });

    const run = dataOf(await t.gql<{ runCampaign: RunView }>(RUN, { id: campaigns.provider_bonus }, t.tokens.admin)).runCampaign;
    expect(run.areas).toEqual(expect.arrayContaining([{ postalCode: area, bookings: 9, providers: 2, recipients: 2 }]));
    expect(run.skipped).toMatchObject({ frequency_cap: 1 });
    const bonus = await messagesTo(fresh, NotificationType.area_demand);
    expect(bonus[0].payload.campaign).toMatchObject({ kind: 'provider_bonus', percent: 15 });
    expect((await messagesTo(capped, NotificationType.area_demand)).map((row) => row.payload.campaign!.kind)).toEqual(['high_demand', 'high_demand']);
  });

  it("promotes a quiet area to its opted-in customers, areas with no bookings included, and leaves the message to their quiet hours", async () => {
    t.clock.travelTo(new Date('2031-03-12T06:00:00Z')); // Wednesday 11:00 in Tashkent
    const [quiet, busy] = ['720001', '720002'];
    const customer = await person(Role.customer, { postalCode: quiet }, [NotificationType.area_promotion]);
    const sleeper = await person(Role.customer, { postalCode: quiet }, [NotificationType.area_promotion]);
    await t.app.get(PreferenceChanges).update(sleeper.id, { quietHours: { start: '10:00', end: '12:00' } });
    const busyCustomer = await person(Role.customer, { postalCode: busy }, [NotificationType.area_promotion]);
    const provider = await person(Role.provider, { serves: [busy] });
    for (let i = 0; i < 3; i++) {
      const startsAt = new Date(Date.parse('2031-03-11T05:00:00Z') + i * HOUR);
      await insertBooking(t, { postalCode: busy, provider: t.orm.em.fork().getReference(User, provider.id), startsAt, endsAt: new Date(startsAt.getTime() + HOUR) });
    }

    const run = dataOf(await t.gql<{ runCampaign: RunView }>(RUN, { id: campaigns.low_activity }, t.tokens.admin)).runCampaign;
    expect(run.areas.find((area) => area.postalCode === quiet)).toEqual({ postalCode: quiet, bookings: 0, providers: 0, recipients: 2 });
    // Exactly 3 bookings is not fewer than 3.
    expect(run.areas.find((area) => area.postalCode === busy)).toBeUndefined();
    expect(await messagesTo(busyCustomer, NotificationType.area_promotion)).toEqual([]);
    const [promotion] = (await messagesTo(customer, NotificationType.area_promotion)).filter((row) => row.channel === NotificationChannel.email);
    expect(promotion.payload.campaign).toMatchObject({ kind: 'low_activity', postalCode: quiet, percent: 25 });

    const held = (await messagesTo(sleeper, NotificationType.area_promotion)).find((row) => row.channel === NotificationChannel.email)!;
    expect(await t.app.get(DeliveryService).deliver(held.id)).toEqual({ status: 'deferred', until: new Date('2031-03-12T07:00:00Z') });
  });

  it('runs a scheduled occurrence once however many schedulers tick, and skips one missed by more than the grace', async () => {
    const em = t.orm.em.fork();
    await em.nativeUpdate(Campaign, { kind: { $ne: CampaignKind.high_demand } }, { enabled: false });
    t.clock.travelTo(new Date('2031-03-13T04:05:00Z')); // 09:05 in Tashkent
    const service = t.app.get(CampaignsService);
    const [first, second, third] = await Promise.all([service.runDue(), service.runDue(), service.runDue()]);
    expect(first.length + second.length + third.length).toBe(1);
    expect(await em.count(CampaignRun, { campaign: campaigns.high_demand, slot: new Date('2031-03-13T04:00:00Z') })).toBe(1);
    expect(await service.runDue()).toEqual([]);

    t.clock.travelTo(new Date('2031-03-14T04:45:00Z')); // 09:45: that morning's occurrence is 45 min old
    expect(await service.runDue()).toEqual([]);
    await em.nativeUpdate(Campaign, {}, { enabled: true });
  });

  it('uses what admins change: thresholds, percentage and schedule', async () => {
    const updated = dataOf(
      await t.gql<{ updateCampaign: Record<string, unknown> }>(UPDATE, { id: campaigns.provider_bonus, input: { bookingsOver: 20, percent: 10, schedule: '30 8 * * 1-5', timezone: 'UTC' } }, t.tokens.admin),
    ).updateCampaign;
    expect(updated).toEqual({ kind: 'provider_bonus', schedule: '30 8 * * 1-5', timezone: 'UTC', bookingsOver: 20, percent: 10 });
    t.clock.travelTo(new Date(NINE_AM.getTime() + HOUR));
    const preview = dataOf(await t.gql<{ previewCampaign: RunView }>(PREVIEW, { id: campaigns.provider_bonus, date: '2031-03-11' }, t.tokens.admin)).previewCampaign;
    // 9 bookings in 710001 are no longer over 20.
    expect(preview.areas.find((area) => area.postalCode === '710001')).toBeUndefined();
    expect(await t.orm.em.fork().count(Booking, { postalCode: '710001' })).toBe(9);
  });
});
