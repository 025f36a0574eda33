import { Migration } from '@mikro-orm/migrations';

/** Alert types for Herald watching itself: a channel's backlog, a failing channel, the relay behind. */
export class Migration20261201160000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "business_alerts" drop constraint if exists "business_alerts_type_check";`);
    this.addSql(
      `alter table "business_alerts" add constraint "business_alerts_type_check" check("type" in ('signature_pending', 'payment_on_hold', 'booking_overdue', 'delivery_backlog', 'channel_failing', 'relay_behind', 'manual'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "business_alerts" where "type" in ('delivery_backlog', 'channel_failing', 'relay_behind');`);
    this.addSql(`alter table "business_alerts" drop constraint if exists "business_alerts_type_check";`);
    this.addSql(`alter table "business_alerts" add constraint "business_alerts_type_check" check("type" in ('signature_pending', 'payment_on_hold', 'booking_overdue', 'manual'));`);
  }
}
