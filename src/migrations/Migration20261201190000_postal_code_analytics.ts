import { Migration } from '@mikro-orm/migrations';

/**
 * Daily figures per postal code (`postal_code_daily`, one row per postal code and date) and
 * `analytics_runs`, the last day each scheduled analytics job computed: the conditional upsert of
 * its row lets one scheduler win however many run.
 */
export class Migration20261201190000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "postal_code_daily" ("postal_code" text not null, "day" date not null, "bookings_total" int not null, "pending" int not null, "confirmed" int not null, "completed" int not null, "cancelled" int not null, "no_show" int not null, "providers_available" int not null, "providers_active" int not null, "avg_response_seconds" int null, "avg_completion_seconds" int null, "ratings_count" int not null, "ratings_sum" int not null, "revenue" jsonb not null, "computed_at" timestamptz not null, constraint "postal_code_daily_pkey" primary key ("postal_code", "day"));`,
    );
    this.addSql(`create index "postal_code_daily_day_index" on "postal_code_daily" ("day");`);
    this.addSql(`create table "analytics_runs" ("job" text not null, "last_day" date not null, "ran_at" timestamptz not null, constraint "analytics_runs_pkey" primary key ("job"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "analytics_runs" cascade;`);
    this.addSql(`drop table if exists "postal_code_daily" cascade;`);
  }
}
