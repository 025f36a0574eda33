import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { Notification, NotificationChannel, NotificationStatus } from '../../notifications/notification.entity';
import { User } from '../../users/user.entity';

/**
 * Twilio's MessageStatus values Herald records, by how far along they are. A report never
 * moves a message back (Twilio's callbacks may arrive out of order): "sent" after "delivered"
 * changes nothing.
 */
export const TWILIO_STATUS_STAGE: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  canceled: 3,
  read: 4,
};

/** Postgres writes of the SMS channel: opt-outs and Twilio's delivery reports. */
@Injectable()
export class SmsStore {
  private readonly logger = new Logger(SmsStore.name);

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** The recipient unsubscribed (Twilio 21610): no more SMS until an operator turns it back on. */
  async turnOffSms(userId: string): Promise<boolean> {
    const now = this.clock.now();
    const updated = await this.em.fork().nativeUpdate(User, { id: userId, smsOffAt: null }, { smsOffAt: now, updatedAt: now });
    return updated > 0;
  }

  /**
   * Records Twilio's report on the SMS notification sent as `messageSid`. A report naming its
   * notification (`notificationId`, from the callback URL) whose row never recorded the send
   * (the sending process died, or the request timed out after Twilio took it) records it as
   * sent now: the row leaves `sending`/`queued`, so neither an expired lease nor a retry sends
   * it again. False when no such notification exists, or it already has a later report.
   */
  async recordDeliveryStatus(messageSid: string, status: string, notificationId?: string): Promise<boolean> {
    const stage = TWILIO_STATUS_STAGE[status];
    if (stage === undefined) return false;
    const earlierOrSame = Object.keys(TWILIO_STATUS_STAGE).filter((known) => TWILIO_STATUS_STAGE[known] <= stage);
    const now = this.clock.now();
    const em = this.em.fork();
    const report = { deliveryStatus: status, deliveryUpdatedAt: now, updatedAt: now };
    const updated = await em.nativeUpdate(
      Notification,
      { providerMessageId: messageSid, channel: NotificationChannel.sms, $or: [{ deliveryStatus: null }, { deliveryStatus: { $in: earlierOrSame } }] },
      report,
    );
    if (updated > 0 || !notificationId) return updated > 0;
    const settled = await em.nativeUpdate(
      Notification,
      { id: notificationId, channel: NotificationChannel.sms, providerMessageId: null, status: { $in: [NotificationStatus.sending, NotificationStatus.queued] } },
      { ...report, status: NotificationStatus.sent, sentAt: now, providerMessageId: messageSid, nextAttemptAt: null, leaseUntil: null },
    );
    if (settled > 0) this.logger.warn(`Notification ${notificationId}: Twilio reported ${messageSid} before Herald recorded the send; recorded it as sent`);
    return settled > 0;
  }
}
