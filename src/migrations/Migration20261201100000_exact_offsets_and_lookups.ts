import { Migration } from '@mikro-orm/migrations';

/**
 * Offsets stored exactly in seconds (minutes merged sub-minute offsets into one reminder), an
 * index for Twilio's status callbacks, which find a notification by its provider message id,
 * and one user per Telegram chat, enforced by a unique index.
 */
export class Migration20261201100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications" add column "offset_seconds" int not null default 0;`);
    this.addSql(`update "notifications" set "offset_seconds" = "offset_minutes" * 60 where "offset_minutes" <> 0;`);
    this.addSql(`alter table "notifications" drop column "offset_minutes";`);
    this.addSql(`create index "notifications_provider_message_id_index" on "notifications" ("provider_message_id");`);
    // Concurrent links could leave a chat with two users: the most recently updated keeps it.
    this.addSql(
      `update "users" as "u" set "telegram_chat_id" = null, "updated_at" = now()
        where "u"."telegram_chat_id" is not null and exists (
          select 1 from "users" as "other"
           where "other"."telegram_chat_id" = "u"."telegram_chat_id" and ("other"."updated_at", "other"."id") > ("u"."updated_at", "u"."id"));`,
    );
    this.addSql(`create unique index "users_telegram_chat_id_unique" on "users" ("telegram_chat_id") where "telegram_chat_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "users_telegram_chat_id_unique";`);
    this.addSql(`drop index "notifications_provider_message_id_index";`);
    this.addSql(`alter table "notifications" add column "offset_minutes" int not null default 0;`);
    this.addSql(`update "notifications" set "offset_minutes" = round("offset_seconds" / 60.0) where "offset_seconds" <> 0;`);
    this.addSql(`alter table "notifications" drop column "offset_seconds";`);
  }
}
