import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { urlencoded } from 'express';
import { PlanningModule } from '../notifications/planning/planning.module';
import { PreferenceChanges } from './preference-changes.service';
import { PreferencesResolver } from './preferences.resolver';
import { PreferencesStoreModule } from './preferences-store.module';
import { UnsubscribeController } from './unsubscribe.controller';
import { UNSUBSCRIBE_PATH } from './unsubscribe-links';

/**
 * Per-user notification preferences: channels, types, reminder schedule, quiet hours, language
 * and time zone. The API and the unsubscribe endpoint change them (re-planning through the
 * planner); planning and delivery read them through PreferencesStoreModule.
 */
@Module({
  imports: [PreferencesStoreModule, PlanningModule],
  controllers: [UnsubscribeController],
  providers: [PreferenceChanges, PreferencesResolver],
})
export class PreferencesModule implements NestModule {
  /** One-click posts are form-encoded. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 })).forRoutes({ path: UNSUBSCRIBE_PATH.slice(1), method: RequestMethod.POST });
  }
}
