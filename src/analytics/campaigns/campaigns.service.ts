import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { pgArray, rawQuery } from '../../core/database/raw-query';
import { assertCursor, Page, PageInput, toPage } from '../../core/pagination/pagination';
import { localDateIn } from '../../core/time/zones';
import { CampaignKind, NotificationType } from '../../notifications/notification.entity';
import { CampaignArea, NotificationPlanner } from '../../notifications/planning/notification-planner.service';
import { addDays } from '../local-date';
import { PostalCodeAnalytics } from '../postal-code-analytics.service';
import { AreaFigures, dueOccurrence, matches } from './campaign-rules';
import { Campaign, CampaignRun, MatchedArea } from './campaign.entity';
import { AnalyticsError } from '../analytics.error';
import { UpdateCampaignInput } from './dto/campaign.input';
import { CampaignPreview } from './dto/campaign.output';
import { briefError } from '../../core/errors/graphql-error.filter';
import { IntervalTicks } from '../../core/scheduling/interval-ticks';

/** How often schedulers look for a campaign whose occurrence has come. */
const TICK_MS = 60_000;

/** Who each campaign writes to, and as which notification type. */
const AUDIENCE: Record<CampaignKind, { type: NotificationType; recipients: 'providers' | 'customers' }> = {
  [CampaignKind.high_demand]: { type: NotificationType.area_demand, recipients: 'providers' },
  [CampaignKind.provider_bonus]: { type: NotificationType.area_demand, recipients: 'providers' },
  [CampaignKind.low_activity]: { type: NotificationType.area_promotion, recipients: 'customers' },
};

/** Thrown inside a dry run's transaction so it rolls back; carries the run it computed. */
class DryRunRollback extends Error {
  constructor(readonly run: CampaignRun) {
    super('dry run');
  }
}

interface RunOptions {
  /** The scheduled occurrence; null for a run by hand. */
  slot: Date | null;
  dryRun: boolean;
  triggeredBy: string | null;
}

/**
 * Location campaigns (seed 004): at each occurrence of its schedule, a campaign reads the
 * previous day's postal-code figures, picks the areas that meet its thresholds and sends its
 * message there through the engine's bulk path: to opted-in recipients only, once per area and
 * day, within the marketing frequency cap, quiet hours left to delivery. Every run is recorded.
 * A scheduled occurrence runs once however many schedulers tick: its run row is unique per
 * (campaign, occurrence) and written in the run's own transaction.
 */
@Injectable()
export class CampaignsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CampaignsService.name);
  private readonly ticks = new IntervalTicks(
    TICK_MS,
    async () => {
      for (const run of await this.runDue()) this.logger.log(`Campaign run ${run.id}: ${run.areas.length} area(s), ${run.planned} message(s) planned`);
    },
    (error) => this.logger.warn(`Campaign runs failed (${briefError(error)}); the next tick retries`),
  );

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
    private readonly analytics: PostalCodeAnalytics,
    private readonly planner: NotificationPlanner,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runs(ProcessRole.Scheduler)) this.ticks.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.ticks.stop();
  }

  list(): Promise<Campaign[]> {
    return this.em.fork().find(Campaign, {}, { orderBy: { kind: 'asc' } });
  }

  async update(id: string, input: UpdateCampaignInput): Promise<Campaign> {
    const em = this.em.fork();
    const campaign = await em.findOne(Campaign, { id });
    if (!campaign) throw AnalyticsError.campaignNotFound(id);
    for (const [field, value] of Object.entries(input)) if (value !== undefined) Object.assign(campaign, { [field]: value });
    await em.flush();
    return campaign;
  }

  async runs(campaignId: string | null, page: PageInput = new PageInput()): Promise<Page<CampaignRun>> {
    assertCursor(page.after);
    const where = campaignId ? { campaign: campaignId } : {};
    return toPage(await this.em.fork().findByCursor(CampaignRun, where, { first: page.first, after: page.after, orderBy: { createdAt: 'desc', id: 'desc' } }));
  }

  /** The areas a run on `day` (default: today in the campaign's zone) would pick, and how many it would reach; nothing is written. */
  async preview(id: string, day?: string | null): Promise<CampaignPreview> {
    const campaign = await this.find(id);
    const runDay = day ?? localDateIn(this.clock.now(), campaign.timezone);
    const figuresDay = addDays(runDay, -1);
    const areas = await this.em.fork().transactional(async (tx) => (await this.matchedAreas(tx, campaign, figuresDay)).map(({ area }) => area));
    return { campaignId: campaign.id, day: runDay, figuresDay, areas, recipients: areas.reduce((sum, area) => sum + area.recipients, 0) };
  }

  /** Runs a campaign now, by hand, for today in its zone; a dry run computes everything and writes nothing. */
  async run(id: string, options: { dryRun: boolean; triggeredBy: string }): Promise<CampaignRun> {
    const campaign = await this.find(id);
    const run = await this.execute(campaign, localDateIn(this.clock.now(), campaign.timezone), { slot: null, ...options });
    return run!;
  }

  /** Runs every enabled campaign whose scheduled occurrence has come and that no scheduler has run yet; the runs this process made. */
  async runDue(): Promise<CampaignRun[]> {
    const now = this.clock.now();
    const done: CampaignRun[] = [];
    for (const campaign of await this.em.fork().find(Campaign, { enabled: true })) {
      const slot = dueOccurrence(campaign.schedule, campaign.timezone, now);
      if (!slot) continue;
      const run = await this.execute(campaign, localDateIn(slot, campaign.timezone), { slot, dryRun: false, triggeredBy: null });
      if (run) done.push(run);
    }
    return done;
  }

  /** One run in one transaction; null when its occurrence was already run (by another scheduler). */
  private async execute(campaign: Campaign, day: string, options: RunOptions): Promise<CampaignRun | null> {
    const figuresDay = addDays(day, -1);
    try {
      return await this.em.fork().transactional(async (tx) => {
        const run = tx.create(CampaignRun, { campaign: tx.getReference(Campaign, campaign.id), day, figuresDay, ...options, createdAt: this.clock.now() });
        // The run's row first: a second scheduler waits here for this one's commit, then finds the occurrence taken.
        await tx.flush();
        const matched = await this.matchedAreas(tx, campaign, figuresDay);
        const { type } = AUDIENCE[campaign.kind];
        const areas: CampaignArea[] = matched.map(({ area, recipientIds }) => ({
          message: { runId: run.id, campaignId: campaign.id, kind: campaign.kind, postalCode: area.postalCode, date: figuresDay, bookings: area.bookings, providers: area.providers, percent: campaign.percent },
          recipientIds,
        }));
        const planned = await this.planner.planCampaignMessages(tx, type, areas, this.config.campaignFrequencyCap);
        Object.assign(run, { areas: matched.map(({ area }) => area), recipients: planned.recipients, planned: planned.planned, skipped: planned.skipped });
        await tx.flush();
        if (options.dryRun) throw new DryRunRollback(run);
        return run;
      });
    } catch (error) {
      if (error instanceof DryRunRollback) return error.run;
      if (options.slot && error instanceof UniqueConstraintViolationException) return null;
      throw error;
    }
  }

  /**
   * The areas meeting the campaign's thresholds on `figuresDay`, with their recipients. The day's
   * figures are computed afresh first (idempotent), so a run never reads a day half-counted. A
   * customer campaign also looks at areas with no bookings at all: where its customers live.
   */
  private async matchedAreas(tx: EntityManager, campaign: Campaign, figuresDay: string): Promise<{ area: MatchedArea; recipientIds: string[] }[]> {
    await this.analytics.computeDay(figuresDay, tx);
    const figures = new Map<string, AreaFigures>(
      (await this.analytics.figuresFor(figuresDay, tx)).map((row) => [row.postalCode, { postalCode: row.postalCode, bookings: row.bookingsTotal, providers: row.providersAvailable }]),
    );
    const audience = AUDIENCE[campaign.kind].recipients;
    if (audience === 'customers') {
      const homes = await rawQuery<{ postal_code: string }>(tx, `select distinct "postal_code" from "users" where 'customer' = any("roles") and "postal_code" is not null`, []);
      for (const { postal_code } of homes) if (!figures.has(postal_code)) figures.set(postal_code, { postalCode: postal_code, bookings: 0, providers: 0 });
    }
    const picked = [...figures.values()].filter((area) => matches(campaign, area)).sort((a, b) => a.postalCode.localeCompare(b.postalCode));
    if (picked.length === 0) return [];
    const rows = await rawQuery<{ id: string; code: string }>(
      tx,
      audience === 'providers'
        ? `select u."id", served."code" from "users" u cross join lateral unnest(u."postal_codes") as served("code")
            where 'provider' = any(u."roles") and served."code" = any(?::text[]) order by u."id"`
        : `select "id", "postal_code" as "code" from "users" where 'customer' = any("roles") and "postal_code" = any(?::text[]) order by "id"`,
      [pgArray(picked.map((area) => area.postalCode))],
    );
    const byCode = new Map<string, string[]>();
    for (const row of rows) (byCode.get(row.code) ?? byCode.set(row.code, []).get(row.code)!).push(row.id);
    return picked.map((area) => {
      const recipientIds = byCode.get(area.postalCode) ?? [];
      return { area: { ...area, recipients: recipientIds.length }, recipientIds };
    });
  }

  /**
   * Per area and day (`<day>|<postal code>`), the campaigns that day's figures set off there: the
   * runs (not dry ones) that picked the area reading them, the next day. One query for many.
   */
  async sentPerArea(keys: readonly string[]): Promise<Map<string, CampaignKind[]>> {
    const days = [...new Set(keys.map((key) => key.split('|')[0]))];
    const codes = [...new Set(keys.map((key) => key.split('|')[1]))];
    const rows = await rawQuery<{ key: string; kind: CampaignKind }>(
      this.em.fork(),
      `select distinct r."figures_day"::text || '|' || (a->>'postalCode') as "key", c."kind"
         from "campaign_runs" r join "campaigns" c on c."id" = r."campaign_id" cross join lateral jsonb_array_elements(r."areas") a
        where not r."dry_run" and r."figures_day" = any(?::date[]) and (a->>'postalCode') = any(?::text[])
        order by c."kind"`,
      [pgArray(days), pgArray(codes)],
    );
    const sent = new Map<string, CampaignKind[]>();
    for (const row of rows) (sent.get(row.key) ?? sent.set(row.key, []).get(row.key)!).push(row.kind);
    return sent;
  }

  private async find(id: string): Promise<Campaign> {
    const campaign = await this.em.fork().findOne(Campaign, { id });
    if (!campaign) throw AnalyticsError.campaignNotFound(id);
    return campaign;
  }
}
