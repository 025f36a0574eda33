import { Migration } from '@mikro-orm/migrations';

/**
 * Users and bookings (with payments, signature requests and the booking event log).
 * Base DDL from MikroORM's schema generator; the btree_gist extension and the exclusion
 * constraint that keeps a provider's active bookings from overlapping are written by hand.
 */
export class Migration20261121100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists btree_gist;`);

    this.addSql(
      `create table "users" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, ` +
        `"name" text not null, "email" text not null, "phone" text null, ` +
        `"locale" text check ("locale" in ('uz', 'ru', 'en')) not null default 'en', "timezone" text not null default 'UTC', ` +
        `"roles" text[] not null, "postal_code" text null, "telegram_chat_id" bigint null, ` +
        `constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`create index "users_postal_code_index" on "users" ("postal_code");`);

    this.addSql(
      `create table "bookings" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, ` +
        `"customer_id" uuid not null, "provider_id" uuid not null, "service_name" text not null, ` +
        `"starts_at" timestamptz not null, "ends_at" timestamptz not null, "timezone" text not null, ` +
        `"address" text null, "postal_code" text null, "note" text null, "price" numeric(12,2) not null, "currency" varchar(3) not null, ` +
        `"status" text check ("status" in ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')) not null default 'pending', ` +
        `"cancellation_reason" text null, "cancelled_by_id" uuid null, "cancelled_at" timestamptz null, "version" int not null default 1, ` +
        `constraint "bookings_pkey" primary key ("id"), constraint bookings_ends_after_starts check (ends_at > starts_at));`,
    );
    this.addSql(`create index "bookings_postal_code_index" on "bookings" ("postal_code");`);
    this.addSql(`create index "bookings_status_starts_at_index" on "bookings" ("status", "starts_at");`);
    this.addSql(`create index "bookings_customer_id_starts_at_index" on "bookings" ("customer_id", "starts_at");`);
    this.addSql(`create index "bookings_provider_id_starts_at_index" on "bookings" ("provider_id", "starts_at");`);
    // A provider cannot hold two active bookings whose [start, end) ranges intersect. Enforced here,
    // not by read-then-write in the service; a violation is SQLSTATE 23P01.
    this.addSql(
      `alter table "bookings" add constraint "bookings_provider_no_overlap" exclude using gist ` +
        `("provider_id" with =, tstzrange("starts_at", "ends_at", '[)') with &&) where ("status" in ('pending', 'confirmed'));`,
    );

    this.addSql(
      `create table "signature_requests" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, ` +
        `"booking_id" uuid not null, "status" text check ("status" in ('pending', 'signed')) not null default 'pending', ` +
        `"requested_at" timestamptz not null, "signed_at" timestamptz null, constraint "signature_requests_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "signature_requests_booking_id_index" on "signature_requests" ("booking_id");`);
    this.addSql(`create index "signature_requests_status_requested_at_index" on "signature_requests" ("status", "requested_at");`);

    this.addSql(
      `create table "payments" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, ` +
        `"booking_id" uuid not null, "amount" numeric(12,2) not null, "currency" varchar(3) not null, ` +
        `"status" text check ("status" in ('pending', 'held', 'captured', 'refunded')) not null default 'pending', ` +
        `"held_since" timestamptz null, "captured_at" timestamptz null, "refunded_at" timestamptz null, ` +
        `constraint "payments_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "payments_booking_id_index" on "payments" ("booking_id");`);
    this.addSql(`create index "payments_status_held_since_index" on "payments" ("status", "held_since");`);

    this.addSql(
      `create table "booking_events" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, ` +
        `"booking_id" uuid not null, ` +
        `"type" text check ("type" in ('created', 'confirmed', 'rescheduled', 'cancelled', 'completed', 'no_show')) not null, ` +
        `"booking_version" int not null, "actor_id" uuid null, "occurred_at" timestamptz not null, "data" jsonb not null, ` +
        `constraint "booking_events_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "booking_events_booking_id_occurred_at_index" on "booking_events" ("booking_id", "occurred_at");`);

    this.addSql(`alter table "bookings" add constraint "bookings_customer_id_foreign" foreign key ("customer_id") references "users" ("id") on update cascade;`);
    this.addSql(`alter table "bookings" add constraint "bookings_provider_id_foreign" foreign key ("provider_id") references "users" ("id") on update cascade;`);
    this.addSql(
      `alter table "bookings" add constraint "bookings_cancelled_by_id_foreign" foreign key ("cancelled_by_id") references "users" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "signature_requests" add constraint "signature_requests_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id") on update cascade;`,
    );
    this.addSql(`alter table "payments" add constraint "payments_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id") on update cascade;`);
    this.addSql(
      `alter table "booking_events" add constraint "booking_events_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "booking_events" add constraint "booking_events_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "booking_events" cascade;`);
    this.addSql(`drop table if exists "payments" cascade;`);
    this.addSql(`drop table if exists "signature_requests" cascade;`);
    this.addSql(`drop table if exists "bookings" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
  }
}
