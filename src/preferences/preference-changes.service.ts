import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { NotificationPlanner } from '../notifications/planning/notification-planner.service';
import { UpdatePreferencesInput } from './dto/preferences.input';
import { Preferences } from './dto/preferences.output';
import { PreferencesService, UnsubscribeScope } from './preferences.service';

/**
 * Changes a user's preferences and re-plans their future reminders in the same transaction, so
 * a committed change is always planned for, and a failed one leaves both as they were.
 */
@Injectable()
export class PreferenceChanges {
  constructor(
    private readonly em: EntityManager,
    private readonly preferences: PreferencesService,
    private readonly planner: NotificationPlanner,
  ) {}

  async update(userId: string, input: UpdatePreferencesInput): Promise<Preferences> {
    await this.em.fork().transactional(async (tx) => {
      await this.preferences.update(tx, userId, input);
      await this.planner.replanReminders(tx, [userId]);
    });
    return this.preferences.view(userId);
  }

  async unsubscribe(userId: string, scope: UnsubscribeScope): Promise<void> {
    await this.em.fork().transactional(async (tx) => {
      await this.preferences.unsubscribe(tx, userId, scope);
      await this.planner.replanReminders(tx, [userId]);
    });
  }
}
