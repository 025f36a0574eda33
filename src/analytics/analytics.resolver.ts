import { Args, Context, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { RequestAuth } from '../auth/auth.guard';
import { AlertsService } from '../alerts/alerts.service';
import { HeraldConfig } from '../core/config/herald-config';
import { RequestLoader } from '../core/graphql/request-loader';
import { CampaignKind } from '../notifications/notification.entity';
import { CampaignsService } from './campaigns/campaigns.service';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { AuthUser, Role } from '../auth/role';
import { toGraphQLError } from '../core/errors/graphql-error.filter';
import { AnalyticsError } from './analytics.error';
import { PostalCodeAnalyticsArgs, PostalCodeRankingArgs, RunPostalCodeAnalyticsArgs } from './dto/analytics.input';
import { CurrencyRevenue, PostalCodeAnalyticsRun, PostalCodeDailyConnection } from './dto/analytics.output';
import { PostalCodeAnalytics } from './postal-code-analytics.service';
import { PostalCodeMetric } from './postal-code-metric';
import { PostalCodeDaily } from './postal-code-daily.entity';

const READERS = [Role.ops, Role.finance, Role.admin];

/** Money is for finance and admins (admins pass every `has`). */
const seesRevenue = (caller: AuthUser) => caller.has(Role.finance);

@Resolver(() => PostalCodeDaily)
export class AnalyticsResolver {
  constructor(
    private readonly analytics: PostalCodeAnalytics,
    private readonly campaignsService: CampaignsService,
    private readonly alertsService: AlertsService,
    private readonly config: HeraldConfig,
  ) {}

  /** Every row's campaigns and alerts in one query each per list. */
  private readonly campaignsSent = new RequestLoader((keys) => this.campaignsService.sentPerArea(keys), (): CampaignKind[] => []);
  private readonly alertsRaised = new RequestLoader((keys) => this.alertsService.raisedPerArea(keys, this.config.analyticsSchedule.timezone), () => 0);

  @Query(() => PostalCodeDailyConnection, { description: 'Daily figures per postal code, newest date first; revenue for finance and admins only' })
  @Roles(...READERS)
  postalCodeAnalytics(@Args() { page, ...filter }: PostalCodeAnalyticsArgs): Promise<PostalCodeDailyConnection> {
    return this.analytics.list(filter, page ?? undefined);
  }

  @Query(() => [PostalCodeDaily], { description: 'The top postal codes of a date by a metric; ranking by revenue is for finance and admins only' })
  @Roles(...READERS)
  postalCodeRanking(@CurrentUser() caller: AuthUser, @Args() { date, metric, top, currency }: PostalCodeRankingArgs): Promise<PostalCodeDaily[]> {
    if (metric === PostalCodeMetric.revenue && !seesRevenue(caller)) throw AnalyticsError.revenueForbidden();
    return this.analytics.ranking(date, metric, top, currency ?? null);
  }

  @Mutation(() => PostalCodeAnalyticsRun, { description: "Computes a date's figures now, replacing its rows" })
  @Roles(Role.admin)
  runPostalCodeAnalytics(@Args() { date }: RunPostalCodeAnalyticsArgs): Promise<PostalCodeAnalyticsRun> {
    return this.analytics.computeDay(date);
  }

  @ResolveField(() => [CurrencyRevenue], {
    nullable: true,
    description: 'Captured payments per currency, with the average booking value; finance and admins only (others get FORBIDDEN on this field)',
  })
  revenue(@CurrentUser() caller: AuthUser, @Parent() row: PostalCodeDaily): CurrencyRevenue[] {
    // Field resolvers run without the exception filter: the error is mapped here, by the same mapping.
    if (!seesRevenue(caller)) throw toGraphQLError(AnalyticsError.revenueForbidden());
    return Object.entries(row.revenue)
      .map(([currency, figures]) => ({ currency, ...figures }))
      .sort((a, b) => a.currency.localeCompare(b.currency));
  }

  @ResolveField(() => [CampaignKind], { description: "The campaigns this date's figures set off here (their runs, the next day, picked this postal code)" })
  campaigns(@Parent() row: PostalCodeDaily, @Context() auth: RequestAuth): Promise<CampaignKind[]> {
    return this.campaignsSent.get(auth, `${row.day}|${row.postalCode}`);
  }

  @ResolveField(() => Int, { description: 'Business alerts about its bookings first raised on this date (ANALYTICS_TIMEZONE)' })
  alerts(@Parent() row: PostalCodeDaily, @Context() auth: RequestAuth): Promise<number> {
    return this.alertsRaised.get(auth, `${row.day}|${row.postalCode}`);
  }
}
