import { Migration } from '@mikro-orm/migrations';

/**
 * Template overrides, one row per saved version. "No provider" is one scope, so the uniqueness of
 * versions and of the active version is keyed on coalesce(provider_id, nil uuid). Every change
 * announces itself on NOTIFY `herald_templates_changed`, so each process reloads its active set.
 */
export class Migration20261201130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "message_templates" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "type" text check ("type" in ('booking_confirmation', 'provider_new_booking', 'booking_reminder', 'booking_starting', 'booking_ending_soon', 'provider_next_booking', 'provider_daily_agenda', 'booking_rescheduled', 'booking_cancelled')) not null, "channel" text check ("channel" in ('in_app', 'telegram', 'email', 'sms')) not null, "locale" text check ("locale" in ('uz', 'ru', 'en')) not null, "provider_id" uuid null, "version" int not null, "subject" text null, "body" text not null, "format" text check ("format" in ('plain', 'telegram_html', 'html')) not null, "active" boolean not null default false, "changed_by_id" uuid null, constraint "message_templates_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "message_templates_type_channel_locale_index" on "message_templates" ("type", "channel", "locale");`);
    this.addSql(
      `alter table "message_templates" add constraint "message_templates_provider_id_foreign" foreign key ("provider_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "message_templates" add constraint "message_templates_changed_by_id_foreign" foreign key ("changed_by_id") references "users" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `create unique index "message_templates_scope_version_unique" on "message_templates" ("type", "channel", "locale", coalesce("provider_id", '00000000-0000-0000-0000-000000000000'::uuid), "version");`,
    );
    this.addSql(
      `create unique index "message_templates_scope_active_unique" on "message_templates" ("type", "channel", "locale", coalesce("provider_id", '00000000-0000-0000-0000-000000000000'::uuid)) where "active";`,
    );
    this.addSql(
      `create function "herald_announce_templates"() returns trigger language plpgsql as $$ begin perform pg_notify('herald_templates_changed', ''); return null; end $$;`,
    );
    this.addSql(
      `create trigger "message_templates_announce" after insert or update or delete on "message_templates" for each statement execute function "herald_announce_templates"();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "message_templates" cascade;`);
    this.addSql(`drop function if exists "herald_announce_templates"();`);
  }
}
