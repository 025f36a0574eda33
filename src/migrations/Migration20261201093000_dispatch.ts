import { Migration } from '@mikro-orm/migrations';

/**
 * Postgres as the due-queue. A dispatcher claims due rows in batches (`queued` → `sending` with a
 * short lease) and hands their ids to a queue per channel; the consumer that takes a batch extends
 * the lease for the send. A lease that runs out (a lost batch, a dead process) puts the row back.
 * Inserted rows announce themselves on NOTIFY `herald_notifications_due`, so the dispatcher wakes
 * for a row due now instead of at its next poll.
 */
export class Migration20261201093000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications" add column "lease_until" timestamptz null;`);
    this.addSql(`create index "notifications_queued_due_index" on "notifications" ("due_at") where "status" = 'queued';`);
    this.addSql(`create index "notifications_retry_due_index" on "notifications" ("next_attempt_at") where "status" = 'queued' and "next_attempt_at" is not null;`);
    this.addSql(`create index "notifications_sending_lease_index" on "notifications" ("lease_until") where "status" = 'sending';`);
    this.addSql(
      `create function "herald_announce_notifications"() returns trigger language plpgsql as $$ begin perform pg_notify('herald_notifications_due', ''); return null; end $$;`,
    );
    this.addSql(
      `create trigger "notifications_announce" after insert on "notifications" for each statement execute function "herald_announce_notifications"();`,
    );
    // Rows a per-row job was sending when this engine took over: their lease has run out.
    this.addSql(`update "notifications" set "lease_until" = "updated_at" where "status" = 'sending';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "notifications_announce" on "notifications";`);
    this.addSql(`drop function if exists "herald_announce_notifications"();`);
    this.addSql(`drop index if exists "notifications_sending_lease_index";`);
    this.addSql(`drop index if exists "notifications_retry_due_index";`);
    this.addSql(`drop index if exists "notifications_queued_due_index";`);
    this.addSql(`alter table "notifications" drop column "lease_until";`);
  }
}
