import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { PlanningModule } from '../notifications/planning/planning.module';
import { AnalyticsResolver } from './analytics.resolver';
import { Campaign, CampaignRun } from './campaigns/campaign.entity';
import { CampaignsResolver } from './campaigns/campaigns.resolver';
import { CampaignsService } from './campaigns/campaigns.service';
import { DailyAnalytics } from './daily-analytics';
import { PostalCodeAnalytics } from './postal-code-analytics.service';
import { PostalCodeDaily } from './postal-code-daily.entity';

/**
 * Daily figures per postal code for ops, finance and admins, computed on schedulers and on
 * demand; the location campaigns that read them and write to an area's providers or customers.
 */
@Module({
  imports: [MikroOrmModule.forFeature([PostalCodeDaily, Campaign, CampaignRun]), PlanningModule, AlertsModule],
  providers: [PostalCodeAnalytics, DailyAnalytics, AnalyticsResolver, CampaignsService, CampaignsResolver],
  exports: [PostalCodeAnalytics],
})
export class AnalyticsModule {}
