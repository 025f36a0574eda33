import { Migration } from '@mikro-orm/migrations';

/**
 * Lookups shaped like the dispatcher's and the status callbacks' queries:
 * - queued rows by channel, then due time: each channel's claim reads its own range, in due
 *   order, instead of stepping over every other channel's rows;
 * - the provider message id only over rows that have one: in-app messages (most rows) have
 *   none, and every status change of theirs wrote a null entry into it.
 */
export class Migration20261201110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "notifications_queued_due_index";`);
    this.addSql(`create index "notifications_queued_due_index" on "notifications" ("channel", "due_at") where "status" = 'queued';`);
    this.addSql(`drop index "notifications_provider_message_id_index";`);
    this.addSql(`create index "notifications_provider_message_id_index" on "notifications" ("provider_message_id") where "provider_message_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "notifications_provider_message_id_index";`);
    this.addSql(`create index "notifications_provider_message_id_index" on "notifications" ("provider_message_id");`);
    this.addSql(`drop index "notifications_queued_due_index";`);
    this.addSql(`create index "notifications_queued_due_index" on "notifications" ("due_at") where "status" = 'queued';`);
  }
}
