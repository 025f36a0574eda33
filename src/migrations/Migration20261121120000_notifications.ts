import { Migration } from '@mikro-orm/migrations';

/** Notifications: one row per message, recipient and channel, deduplicated by key. */
export class Migration20261121120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "notifications" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "recipient_id" uuid not null, "booking_id" uuid null, "type" text check ("type" in ('booking_confirmation', 'provider_new_booking', 'booking_reminder', 'booking_starting', 'booking_ending_soon', 'provider_next_booking', 'provider_daily_agenda', 'booking_rescheduled', 'booking_cancelled')) not null, "channel" text check ("channel" in ('in_app', 'telegram', 'email', 'sms')) not null, "offset_minutes" int not null default 0, "due_at" timestamptz not null, "status" text check ("status" in ('planned', 'queued', 'sending', 'sent', 'failed', 'cancelled', 'skipped')) not null default 'planned', "reason" text check ("reason" in ('too_late', 'rescheduled', 'booking_cancelled', 'booking_completed', 'booking_no_show', 'booking_changed', 'no_address', 'opted_out', 'no_bookings', 'cancelled_by_operator')) null, "attempts" int not null default 0, "last_error" text null, "next_attempt_at" timestamptz null, "sent_at" timestamptz null, "provider_message_id" text null, "booking_version" int null, "payload" jsonb not null, "dedup_key" text not null, "subject" text null, "body" text null, "read_at" timestamptz null, constraint "notifications_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "notifications" add constraint "notifications_dedup_key_unique" unique ("dedup_key");`);
    this.addSql(`create index "notifications_booking_id_index" on "notifications" ("booking_id");`);
    this.addSql(`create index "notifications_recipient_id_created_at_index" on "notifications" ("recipient_id", "created_at");`);
    this.addSql(`create index "notifications_status_due_at_index" on "notifications" ("status", "due_at");`);
    this.addSql(
      `alter table "notifications" add constraint "notifications_recipient_id_foreign" foreign key ("recipient_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notifications" add constraint "notifications_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);
  }
}
