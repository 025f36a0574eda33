import { Migration } from '@mikro-orm/migrations';

/**
 * Business alerts and their audit trail. One open alert per condition: the dedup key is unique
 * among open alerts (raw SQL, a partial index). `alert_scan_runs` holds when each scan last ran,
 * so however many schedulers run, each scan runs once per interval.
 */
export class Migration20261201150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "business_alerts" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "type" text check ("type" in ('signature_pending', 'payment_on_hold', 'booking_overdue', 'manual')) not null, "severity" text check ("severity" in ('low', 'medium', 'high', 'critical')) not null, "status" text check ("status" in ('active', 'acknowledged', 'resolved', 'ignored')) not null default 'active', "title" text not null, "description" text not null default '', "dedup_key" text not null, "occurrences" int not null default 1, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, "assignee_id" uuid null, "acknowledged_by_id" uuid null, "acknowledged_at" timestamptz null, "resolved_by_id" uuid null, "resolved_at" timestamptz null, "resolution_note" text null, "ignored_until" timestamptz null, "ignore_reason" text null, "metadata" jsonb not null, constraint "business_alerts_pkey" primary key ("id"));`);
    this.addSql(`create index "business_alerts_status_severity_index" on "business_alerts" ("status", "severity");`);
    this.addSql(`create table "alert_events" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "alert_id" uuid not null, "kind" text check ("kind" in ('raised', 'seen_again', 'escalated', 'acknowledged', 'assigned', 'resolved', 'auto_resolved', 'ignored')) not null, "actor_id" uuid null, "details" jsonb not null, constraint "alert_events_pkey" primary key ("id"));`);
    this.addSql(`create index "alert_events_alert_id_created_at_index" on "alert_events" ("alert_id", "created_at");`);
    this.addSql(`alter table "business_alerts" add constraint "business_alerts_assignee_id_foreign" foreign key ("assignee_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "business_alerts" add constraint "business_alerts_acknowledged_by_id_foreign" foreign key ("acknowledged_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "business_alerts" add constraint "business_alerts_resolved_by_id_foreign" foreign key ("resolved_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "alert_events" add constraint "alert_events_alert_id_foreign" foreign key ("alert_id") references "business_alerts" ("id") on update cascade on delete cascade;`);
    this.addSql(`create unique index "business_alerts_open_dedup_key_unique" on "business_alerts" ("dedup_key") where "status" in ('active', 'acknowledged', 'ignored');`);
    this.addSql(`create index "business_alerts_type_status_index" on "business_alerts" ("type", "status");`);
    this.addSql(`create table "alert_scan_runs" ("type" text not null, "last_run_at" timestamptz not null, constraint "alert_scan_runs_pkey" primary key ("type"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alert_scan_runs" cascade;`);
    this.addSql(`drop table if exists "alert_events" cascade;`);
    this.addSql(`drop table if exists "business_alerts" cascade;`);
  }
}
