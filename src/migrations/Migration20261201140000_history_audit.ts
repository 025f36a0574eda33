import { Migration } from '@mikro-orm/migrations';

/** Notification history an admin deleted (the row stays as planning's key), and the audit log that records who did it. */
export class Migration20261201140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications" add column "history_deleted_at" timestamptz null;`);
    this.addSql(
      `create table "audit_entries" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "actor_id" uuid null, "action" text not null, "subject_type" text not null, "subject_id" text not null, "details" jsonb not null, constraint "audit_entries_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "audit_entries_subject_type_subject_id_index" on "audit_entries" ("subject_type", "subject_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_entries" cascade;`);
    this.addSql(`alter table "notifications" drop column "history_deleted_at";`);
  }
}
