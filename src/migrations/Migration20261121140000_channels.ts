import { Migration } from '@mikro-orm/migrations';

/** Delivery channels: Telegram link tokens, per-user channel switches, fallback chains and provider delivery reports. */
export class Migration20261121140000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "telegram_link_tokens" ("token_hash" text not null, "user_id" uuid not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "telegram_link_tokens_pkey" primary key ("token_hash"));`,
    );
    this.addSql(
      `alter table "telegram_link_tokens" add constraint "telegram_link_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(`alter table "users" add column "telegram_off_at" timestamptz null, add column "sms_off_at" timestamptz null;`);
    this.addSql(
      `alter table "notifications" add column "fallback_of" uuid null, add column "delivery_status" text null, add column "delivery_updated_at" timestamptz null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notifications" drop column "fallback_of", drop column "delivery_status", drop column "delivery_updated_at";`);
    this.addSql(`alter table "users" drop column "telegram_off_at", drop column "sms_off_at";`);
    this.addSql(`drop table if exists "telegram_link_tokens" cascade;`);
  }
}
