import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AnalyticsResolver } from './analytics.resolver';
import { DailyAnalytics } from './daily-analytics';
import { PostalCodeAnalytics } from './postal-code-analytics.service';
import { PostalCodeDaily } from './postal-code-daily.entity';

/**
 * Daily figures per postal code for ops, finance and admins, computed on schedulers and on
 * demand; campaigns read a day's figures through PostalCodeAnalytics.figuresFor.
 */
@Module({
  imports: [MikroOrmModule.forFeature([PostalCodeDaily])],
  providers: [PostalCodeAnalytics, DailyAnalytics, AnalyticsResolver],
  exports: [PostalCodeAnalytics],
})
export class AnalyticsModule {}
