import { Migration } from '@mikro-orm/migrations';

/** The alert type for reminders going out late. */
export class Migration20261201170000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "business_alerts" drop constraint if exists "business_alerts_type_check";`);
    this.addSql(
      `alter table "business_alerts" add constraint "business_alerts_type_check" check("type" in ('signature_pending', 'payment_on_hold', 'booking_overdue', 'delivery_backlog', 'channel_failing', 'relay_behind', 'reminders_late', 'manual'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "business_alerts" where "type" = 'reminders_late';`);
    this.addSql(`alter table "business_alerts" drop constraint if exists "business_alerts_type_check";`);
    this.addSql(
      `alter table "business_alerts" add constraint "business_alerts_type_check" check("type" in ('signature_pending', 'payment_on_hold', 'booking_overdue', 'delivery_backlog', 'channel_failing', 'relay_behind', 'manual'));`,
    );
  }
}
