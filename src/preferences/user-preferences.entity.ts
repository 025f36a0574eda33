import { Entity, OneToOne, OptionalProps, Property } from '@mikro-orm/core';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { ReminderEntry } from '../notifications/reminder-schedule';
import { User } from '../users/user.entity';

/** A user's notification preferences; no row means the defaults. */
@Entity({ tableName: 'user_preferences' })
export class UserPreferences {
  [OptionalProps]?: 'channelsOff' | 'optedOut' | 'optedIn' | 'reminderSchedule' | 'quietHoursStart' | 'quietHoursEnd' | 'emailUnsubscribedAt' | 'updatedAt';

  @OneToOne(() => User, { primary: true, owner: true, deleteRule: 'cascade' })
  user: User;

  @Property({ type: 'text[]', default: '{}' })
  channelsOff: NotificationChannel[] = [];

  @Property({ type: 'text[]', default: '{}' })
  optedOut: NotificationType[] = [];

  @Property({ type: 'text[]', default: '{}' })
  optedIn: NotificationType[] = [];

  /** Null: the global NOTIFY_REMINDER_OFFSETS. */
  @Property({ type: 'jsonb', nullable: true })
  reminderSchedule: ReminderEntry[] | null = null;

  /** Local "HH:mm" in the user's time zone; both set or both null. */
  @Property({ type: 'text', nullable: true })
  quietHoursStart: string | null = null;

  @Property({ type: 'text', nullable: true })
  quietHoursEnd: string | null = null;

  /** When an email's unsubscribe link turned email off; cleared when the user turns it back on. */
  @Property({ type: 'timestamptz', nullable: true })
  emailUnsubscribedAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
