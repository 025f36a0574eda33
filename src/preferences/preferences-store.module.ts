import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { User } from '../users/user.entity';
import { UsersModule } from '../users/users.module';
import { PreferencesService } from './preferences.service';
import { UnsubscribeLinks } from './unsubscribe-links';
import { UserPreferences } from './user-preferences.entity';

/** Users' preferences and the links that change them: what planning, delivery and the email channel read. */
@Module({
  imports: [MikroOrmModule.forFeature([UserPreferences, User]), UsersModule],
  providers: [PreferencesService, UnsubscribeLinks],
  exports: [PreferencesService, UnsubscribeLinks],
})
export class PreferencesStoreModule {}
