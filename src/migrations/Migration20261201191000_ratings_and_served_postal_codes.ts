import { Migration } from '@mikro-orm/migrations';

/** A booking's rating by its customer (1 to 5, with a comment), and the postal codes each provider serves. */
export class Migration20261201191000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "bookings" add column "rating" smallint null, add column "rating_comment" text null, add column "rated_at" timestamptz null;`);
    this.addSql(`alter table "bookings" add constraint "bookings_rating_range" check(rating >= 1 and rating <= 5);`);
    this.addSql(`alter table "users" add column "postal_codes" text[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "postal_codes";`);
    this.addSql(`alter table "bookings" drop constraint "bookings_rating_range";`);
    this.addSql(`alter table "bookings" drop column "rating", drop column "rating_comment", drop column "rated_at";`);
  }
}
