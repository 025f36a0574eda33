import { Migration } from '@mikro-orm/migrations';

const TYPES_BEFORE = `'booking_confirmation', 'provider_new_booking', 'booking_reminder', 'booking_starting', 'booking_ending_soon', 'provider_next_booking', 'provider_daily_agenda', 'booking_rescheduled', 'booking_cancelled'`;
const TYPES = `${TYPES_BEFORE}, 'provider_completion_reminder', 'staff_alert'`;
const REASONS_BEFORE = `'too_late', 'rescheduled', 'booking_cancelled', 'booking_completed', 'booking_no_show', 'booking_changed', 'no_address', 'opted_out', 'preferences_changed', 'quiet_hours', 'no_bookings', 'cancelled_by_operator'`;
const REASONS = `${REASONS_BEFORE}, 'alert_closed'`;
const ALERT_TYPES_BEFORE = `'signature_pending', 'payment_on_hold', 'booking_overdue', 'delivery_backlog', 'channel_failing', 'relay_behind', 'reminders_late', 'manual'`;
const ALERT_TYPES = ALERT_TYPES_BEFORE.replace(`'manual'`, `'channel_unreachable', 'manual'`);

/**
 * Two notification types (providers' completion reminders, staff notices of business alerts),
 * the reason a staff notice is cancelled, what each alert has told staff so far (how many
 * notices, the last one's time and severity: repeats and escalations are measured from them),
 * and the alert for a channel whose provider cannot be reached.
 */
export class Migration20261201175000 extends Migration {
  override async up(): Promise<void> {
    this.checks(TYPES, REASONS);
    this.alertTypes(ALERT_TYPES);
    this.addSql(
      `alter table "business_alerts" add column "notices_sent" int not null default 0, add column "last_notice_at" timestamptz null, ` +
        `add column "last_notice_severity" text check ("last_notice_severity" in ('low', 'medium', 'high', 'critical')) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "notifications" where "type" in ('provider_completion_reminder', 'staff_alert') or "reason" = 'alert_closed';`);
    this.addSql(`delete from "message_templates" where "type" in ('provider_completion_reminder', 'staff_alert');`);
    this.addSql(`delete from "business_alerts" where "type" = 'channel_unreachable';`);
    this.checks(TYPES_BEFORE, REASONS_BEFORE);
    this.alertTypes(ALERT_TYPES_BEFORE);
    this.addSql(`alter table "business_alerts" drop column "notices_sent", drop column "last_notice_at", drop column "last_notice_severity";`);
  }

  private alertTypes(types: string): void {
    this.addSql(`alter table "business_alerts" drop constraint if exists "business_alerts_type_check";`);
    this.addSql(`alter table "business_alerts" add constraint "business_alerts_type_check" check ("type" in (${types}));`);
  }

  private checks(types: string, reasons: string): void {
    this.addSql(`alter table "notifications" drop constraint "notifications_type_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_type_check" check ("type" in (${types}));`);
    this.addSql(`alter table "notifications" drop constraint "notifications_reason_check";`);
    this.addSql(`alter table "notifications" add constraint "notifications_reason_check" check ("reason" in (${reasons}));`);
    this.addSql(`alter table "message_templates" drop constraint "message_templates_type_check";`);
    this.addSql(`alter table "message_templates" add constraint "message_templates_type_check" check ("type" in (${types}));`);
  }
}
