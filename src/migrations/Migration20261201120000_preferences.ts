import { Migration } from '@mikro-orm/migrations';

const REASONS_BEFORE = `'too_late', 'rescheduled', 'booking_cancelled', 'booking_completed', 'booking_no_show', 'booking_changed', 'no_address', 'opted_out', 'no_bookings', 'cancelled_by_operator'`;
const REASONS = REASONS_BEFORE.replace(`'opted_out'`, `'opted_out', 'preferences_changed', 'quiet_hours'`);

/**
 * Users' notification preferences, owned by the preferences module (no row means the
 * defaults), and the reasons they give notifications: a changed schedule, quiet hours.
 */
export class Migration20261201120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "user_preferences" ("user_id" uuid not null, "channels_off" text[] not null default '{}', "opted_out" text[] not null default '{}', "opted_in" text[] not null default '{}', "reminder_schedule" jsonb null, "quiet_hours_start" text null, "quiet_hours_end" text null, "email_unsubscribed_at" timestamptz null, "updated_at" timestamptz not null, constraint "user_preferences_pkey" primary key ("user_id"));`,
    );
    this.addSql(
      `alter table "user_preferences" add constraint "user_preferences_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(`alter table "notifications" drop constraint "notifications_reason_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_reason_check" check ("reason" in (${REASONS}));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notifications" drop constraint "notifications_reason_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_reason_check" check ("reason" in (${REASONS_BEFORE}));`);
    this.addSql(`drop table if exists "user_preferences" cascade;`);
  }
}
