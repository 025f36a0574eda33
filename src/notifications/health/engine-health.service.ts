import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { pgArray, rawQuery } from '../../core/database/raw-query';
import { NotificationChannel, NotificationStatus, NotificationType } from '../notification.entity';

/** The oldest message of a channel that is due and not sent. */
export interface ChannelBacklog {
  channel: NotificationChannel;
  oldestDueAt: Date;
  due: number;
}

/** How late a channel's reminders sent in a window went out: the quantiles asked for, in seconds, and the maximum. */
export interface ChannelLateness {
  channel: NotificationChannel;
  sent: number;
  quantiles: number[];
  max: number;
}

/**
 * Sends looked at are those due at most this long before the window began: it lets the query use
 * the (status, due_at) index instead of every sent row kept for retention, and a reminder sent
 * later than that after its due time is not lateness but an outage, which the other figures show.
 */
const LATENESS_DUE_SLACK = '1 day';

/** A channel's finished sends in a window. */
export interface ChannelOutcomes {
  channel: NotificationChannel;
  sent: number;
  failed: number;
}

/** A channel's messages waiting to be tried again after an error, and its last send that worked. */
export interface ChannelRetries {
  channel: NotificationChannel;
  retrying: number;
  oldestDueAt: Date;
  lastSentAt: Date | null;
}

/**
 * How the notification engine is doing, read from Postgres for Herald's watch on itself: what
 * waits past its due time, how often each channel fails, how far the booking event relay is
 * behind. Each figure is one query over indexed columns.
 */
@Injectable()
export class EngineHealth {
  constructor(private readonly em: EntityManager) {}

  /** Per channel, rows due by `now` and not sent (planned, queued or sending; a retry counts from its next attempt). */
  async backlogs(now: Date): Promise<ChannelBacklog[]> {
    const rows = await rawQuery<{ channel: NotificationChannel; oldest: string; due: number }>(
      this.em.fork(),
      `select "channel", min(greatest("due_at", coalesce("next_attempt_at", "due_at"))) as "oldest", count(*)::int as "due"
         from "notifications"
        where "status" in (?, ?, ?) and "due_at" <= ? and ("next_attempt_at" is null or "next_attempt_at" <= ?)
        group by "channel"`,
      [NotificationStatus.planned, NotificationStatus.queued, NotificationStatus.sending, now, now],
    );
    return rows.map((row) => ({ channel: row.channel, oldestDueAt: new Date(row.oldest), due: row.due }));
  }

  /** Per channel, the lateness (sent_at − due_at) of reminders sent in [since, now]: `quantiles` of it and its maximum. */
  async reminderLateness(since: Date, now: Date, quantiles: readonly number[]): Promise<ChannelLateness[]> {
    const rows = await rawQuery<{ channel: NotificationChannel; sent: string; quantiles: number[]; max: number }>(
      this.em.fork(),
      `select "channel", count(*) as "sent",
              percentile_cont(?::float8[]) within group (order by extract(epoch from "sent_at" - "due_at")) as "quantiles",
              max(extract(epoch from "sent_at" - "due_at"))::float8 as "max"
         from "notifications"
        where "status" = ? and "type" = ? and "due_at" > ?::timestamptz - ?::interval and "sent_at" > ? and "sent_at" <= ?
        group by "channel"`,
      [pgArray(quantiles.map(String)), NotificationStatus.sent, NotificationType.booking_reminder, since, LATENESS_DUE_SLACK, since, now],
    );
    return rows.map((row) => ({ channel: row.channel, sent: Number(row.sent), quantiles: row.quantiles.map(Number), max: Number(row.max) }));
  }

  /**
   * Per channel, how the messages due since `since` ended, of those sent or failed. Keyed on the
   * due time, which (status, due_at) indexes: no index more on a column every send writes.
   */
  async outcomes(since: Date): Promise<ChannelOutcomes[]> {
    return rawQuery<ChannelOutcomes>(
      this.em.fork(),
      `select "channel", count(*) filter (where "status" = ?)::int as "sent", count(*) filter (where "status" = ?)::int as "failed"
         from "notifications" where "status" in (?, ?) and "due_at" >= ? group by "channel"`,
      [NotificationStatus.sent, NotificationStatus.failed, NotificationStatus.sent, NotificationStatus.failed, since],
    );
  }

  /**
   * Per channel with messages waiting to be tried again after an error: how many, the oldest
   * one's due time, and the channel's last successful send since a day before it (null: none).
   * Retries that never end in a send say the provider cannot be reached. A retry waits with a
   * next attempt time: the partial index on those rows finds them without reading every queued row.
   */
  async retrying(): Promise<ChannelRetries[]> {
    const rows = await rawQuery<{ channel: NotificationChannel; retrying: number; oldest: string; last_sent: string | null }>(
      this.em.fork(),
      `select r."channel", r."retrying", r."oldest", s."last_sent"
         from (select "channel", count(*)::int as "retrying", min("due_at") as "oldest" from "notifications"
                where "status" = ? and "next_attempt_at" is not null and "attempts" > 0 and "last_error" is not null group by "channel") r
         left join lateral (
           select max(n."sent_at") as "last_sent" from "notifications" n
            where n."status" = ? and n."channel" = r."channel" and n."due_at" >= r."oldest" - interval '1 day'
         ) s on true`,
      [NotificationStatus.queued, NotificationStatus.sent],
    );
    return rows.map((row) => ({ channel: row.channel, retrying: row.retrying, oldestDueAt: new Date(row.oldest), lastSentAt: row.last_sent ? new Date(row.last_sent) : null }));
  }

  /** How many booking events the relay has not planned yet, and when the oldest of them happened (null when it is caught up). */
  async relayLag(): Promise<{ events: number; oldestAt: Date | null }> {
    const [row] = await rawQuery<{ events: number; oldest: string | null }>(
      this.em.fork(),
      `select count(*)::int as "events", min(e."occurred_at") as "oldest" from "booking_events" e, "notification_relay_positions" p
        where p."name" = 'booking_events' and (e."tx_id", e."seq") > (p."tx_id", p."seq")`,
      [],
    );
    return { events: row.events, oldestAt: row.oldest ? new Date(row.oldest) : null };
  }
}
