import { Migration } from '@mikro-orm/migrations';

const TYPES_BEFORE = `'booking_confirmation', 'provider_new_booking', 'booking_reminder', 'booking_starting', 'booking_ending_soon', 'provider_next_booking', 'provider_daily_agenda', 'booking_rescheduled', 'booking_cancelled', 'provider_completion_reminder', 'staff_alert'`;
const TYPES = `${TYPES_BEFORE}, 'area_demand', 'area_promotion'`;

/**
 * Location campaigns: the three of seed 004 with its thresholds and schedules (admins tune
 * them), a row per run (one per scheduled occurrence), and their two marketing types.
 */
export class Migration20261201200000 extends Migration {
  override async up(): Promise<void> {
    this.types(TYPES);
    this.addSql(
      `create table "campaigns" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "kind" text check ("kind" in ('high_demand', 'provider_bonus', 'low_activity')) not null, "name" text not null, "enabled" boolean not null default true, "schedule" text not null, "timezone" text not null, "bookings_over" int null, "per_provider_over" int null, "providers_under" int null, "bookings_under" int null, "percent" int null, constraint "campaigns_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "campaigns" add constraint "campaigns_kind_unique" unique ("kind");`);
    this.addSql(
      `create table "campaign_runs" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "campaign_id" uuid not null, "slot" timestamptz null, "day" date not null, "figures_day" date not null, "triggered_by" uuid null, "dry_run" boolean not null default false, "areas" jsonb not null, "recipients" int not null default 0, "planned" int not null default 0, "skipped" jsonb not null, constraint "campaign_runs_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "campaign_runs_campaign_id_created_at_index" on "campaign_runs" ("campaign_id", "created_at");`);
    // Manual runs have no slot: nulls are distinct, so only scheduled occurrences are one-per-campaign.
    this.addSql(`alter table "campaign_runs" add constraint "campaign_runs_campaign_id_slot_unique" unique ("campaign_id", "slot");`);
    this.addSql(
      `alter table "campaign_runs" add constraint "campaign_runs_campaign_id_foreign" foreign key ("campaign_id") references "campaigns" ("id") on update cascade on delete cascade;`,
    );
    // Seed 004's three campaigns, on Tashkent's clock.
    this.addSql(
      `insert into "campaigns" ("id", "created_at", "updated_at", "kind", "name", "enabled", "schedule", "timezone", "bookings_over", "per_provider_over", "providers_under", "bookings_under", "percent") values
        (gen_random_uuid(), now(), now(), 'high_demand', 'High demand: tell the area''s providers', true, '0 9 * * *', 'Asia/Tashkent', 5, 3, null, null, null),
        (gen_random_uuid(), now(), now(), 'provider_bonus', 'Provider bonus: many bookings, few providers', true, '0 10 * * *', 'Asia/Tashkent', 8, null, 3, null, 15),
        (gen_random_uuid(), now(), now(), 'low_activity', 'Low activity: a weekend discount for customers', true, '0 11 * * 1,3,5', 'Asia/Tashkent', null, null, null, 3, 25);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "campaign_runs" cascade;`);
    this.addSql(`drop table if exists "campaigns" cascade;`);
    this.addSql(`delete from "notifications" where "type" in ('area_demand', 'area_promotion');`);
    this.addSql(`delete from "message_templates" where "type" in ('area_demand', 'area_promotion');`);
    this.types(TYPES_BEFORE);
  }

  private types(types: string): void {
    this.addSql(`alter table "notifications" drop constraint "notifications_type_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_type_check" check ("type" in (${types}));`);
    this.addSql(`alter table "message_templates" drop constraint "message_templates_type_check";`);
    this.addSql(`alter table "message_templates" add constraint "message_templates_type_check" check ("type" in (${types}));`);
  }
}
