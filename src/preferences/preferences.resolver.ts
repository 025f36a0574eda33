import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { ALL_ROLES, AuthUser, Role } from '../auth/role';
import { IdArg } from '../core/validation/id-arg';
import { UpdatePreferencesInput } from './dto/preferences.input';
import { Preferences } from './dto/preferences.output';
import { PreferenceChanges } from './preference-changes.service';
import { PreferencesService } from './preferences.service';

@Resolver(() => Preferences)
export class PreferencesResolver {
  constructor(
    private readonly preferences: PreferencesService,
    private readonly changes: PreferenceChanges,
  ) {}

  @Query(() => Preferences, { description: 'How and when you want to hear from Herald' })
  @Roles(...ALL_ROLES)
  myPreferences(@CurrentUser() caller: AuthUser): Promise<Preferences> {
    return this.preferences.view(caller.id);
  }

  @Mutation(() => Preferences, { description: 'Change your preferences; your future reminders are planned again at once' })
  @Roles(...ALL_ROLES)
  updateMyPreferences(@CurrentUser() caller: AuthUser, @Args('input') input: UpdatePreferencesInput): Promise<Preferences> {
    return this.changes.update(caller.id, input);
  }

  @Query(() => Preferences, { description: "Any user's preferences (ops and admins)" })
  @Roles(Role.ops, Role.admin)
  userPreferences(@IdArg('userId') userId: string): Promise<Preferences> {
    return this.preferences.view(userId);
  }
}
