import { Migration } from '@mikro-orm/migrations';

/** Offsets stored exactly in seconds: in minutes, sub-minute offsets merged into one reminder. */
export class Migration20261201100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications" add column "offset_seconds" int not null default 0;`);
    this.addSql(`update "notifications" set "offset_seconds" = "offset_minutes" * 60 where "offset_minutes" <> 0;`);
    this.addSql(`alter table "notifications" drop column "offset_minutes";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notifications" add column "offset_minutes" int not null default 0;`);
    this.addSql(`update "notifications" set "offset_minutes" = round("offset_seconds" / 60.0) where "offset_seconds" <> 0;`);
    this.addSql(`alter table "notifications" drop column "offset_seconds";`);
  }
}
