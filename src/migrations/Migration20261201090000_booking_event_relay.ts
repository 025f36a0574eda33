import { Migration } from '@mikro-orm/migrations';

/**
 * The booking event log as an ordered outbox. Each event carries the id of the transaction that
 * wrote it (`tx_id`) and a sequence number; a reader that only takes events of transactions older
 * than every transaction still running (the snapshot's xmin) never sees a later commit slip in
 * below its position. Inserts announce themselves on NOTIFY `herald_booking_events`, so readers
 * wake at once; the relay's durable position lives in `notification_relay_positions`.
 * Events already in the log were planned when they happened: the position starts after them.
 */
export class Migration20261201090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "booking_events" add column "seq" bigserial not null, add column "tx_id" xid8 not null default pg_current_xact_id();`);
    this.addSql(`create index "booking_events_tx_id_seq_index" on "booking_events" ("tx_id", "seq");`);
    this.addSql(
      `create function "herald_announce_booking_events"() returns trigger language plpgsql as $$ begin perform pg_notify('herald_booking_events', ''); return null; end $$;`,
    );
    this.addSql(
      `create trigger "booking_events_announce" after insert on "booking_events" for each statement execute function "herald_announce_booking_events"();`,
    );
    this.addSql(
      `create table "notification_relay_positions" ("name" text not null, "tx_id" xid8 not null, "seq" bigint not null, "updated_at" timestamptz not null, constraint "notification_relay_positions_pkey" primary key ("name"));`,
    );
    this.addSql(
      `insert into "notification_relay_positions" ("name", "tx_id", "seq", "updated_at") select 'booking_events', pg_current_xact_id(), coalesce(max("seq"), 0), now() from "booking_events";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notification_relay_positions";`);
    this.addSql(`drop trigger if exists "booking_events_announce" on "booking_events";`);
    this.addSql(`drop function if exists "herald_announce_booking_events"();`);
    this.addSql(`alter table "booking_events" drop column "seq", drop column "tx_id";`);
  }
}
