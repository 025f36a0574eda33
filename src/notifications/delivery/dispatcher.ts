import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { PgListener } from '../../core/database/pg-listener';
import { WakeableLoop } from '../../core/scheduling/wakeable-loop';
import { pgArray, rawQuery } from '../../core/database/raw-query';
import { NotificationChannel, NotificationStatus } from '../notification.entity';
import { DeliveryBatch, NotificationQueue } from '../queue/notification-queue';
import { NOTIFICATIONS_DUE_CHANNEL } from './delivery.service';
import { MaintenanceService } from './maintenance.service';
import { briefError } from '../../core/errors/graphql-error.filter';

// Defined with delivery, which announces the rows it gives back and cannot import this file (an import cycle).
export { NOTIFICATIONS_DUE_CHANNEL } from './delivery.service';
/** Shortest nap between passes while due rows wait for a channel's backlog to shrink. */
const BACKPRESSURE_NAP_MS = 20;
/**
 * Shortest nap before a row falls due: rows due within it go out together in one batch, not in
 * a batch each, which at a steady stream keeps the consumers ahead (it adds at most this much).
 */
const COALESCE_MS = 5;
/** Rows whose lease ran out, put back per pass. */
const EXPIRED_PER_PASS = 1000;

/** What one dispatch pass did. */
export interface DispatchPass {
  /** Rows claimed and handed to their channel's queue. */
  dispatched: number;
  /** Rows whose lease had run out, put back to `queued`. */
  expired: number;
}

/**
 * The scheduled provider of the delivery queues, on worker and scheduler processes. Postgres is the
 * due-queue: each pass puts back rows whose lease ran out, claims due `queued` rows in batches
 * (`FOR UPDATE SKIP LOCKED` + `UPDATE … RETURNING`, so any number of dispatchers split the work)
 * with a short lease, and hands their ids to one BullMQ queue per channel. A channel whose queue
 * already holds NOTIFY_DISPATCH_MAX_BATCHES gets nothing more: its rows wait in Postgres, not Redis.
 * Between passes it sleeps until the next due row, the next lease expiry or NOTIFY_DISPATCH_POLL,
 * whichever comes first, and wakes at once for a new row (NOTIFY) or a finished batch.
 * Redis holds no timer per row, so losing it loses nothing: leases bring claimed rows back.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Dispatcher.name);
  private readonly timing: HeraldConfig['notificationTiming'];
  private listener: PgListener | null = null;
  private readonly loop: WakeableLoop;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly em: EntityManager,
    private readonly queue: NotificationQueue,
    private readonly maintenance: MaintenanceService,
    private readonly clock: Clock,
    private readonly config: HeraldConfig,
  ) {
    this.timing = config.notificationTiming;
    this.loop = new WakeableLoop(() => this.passAndNap(), this.timing.dispatchPollMs, (error) =>
      this.logger.warn(`Dispatch pass failed (${briefError(error)}); trying again in ${this.timing.dispatchPollMs} ms`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runs(ProcessRole.Worker) && !this.config.runs(ProcessRole.Scheduler)) return;
    this.loop.start();
    this.listener = new PgListener(this.config.DATABASE_URL, [NOTIFICATIONS_DUE_CHANNEL], () => this.wake(), this.timing.dispatchPollMs, 'dispatcher');
    await this.listener.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Claims nothing more: the pass running, if any, is awaited. Once only, however often asked. */
  stop(): Promise<void> {
    this.stopping ??= this.loop.stop().then(() => this.listener?.stop());
    return this.stopping;
  }

  /** Asks for a pass now; one already running makes another right after it. */
  wake(): void {
    this.loop.wake();
  }

  /** A pass, then how long to nap: none while due rows may remain, briefly while a channel is full, else until the next due row. */
  private async passAndNap(): Promise<number> {
    const pass = await this.pass();
    return pass.full ? 0 : pass.waiting ? BACKPRESSURE_NAP_MS : this.untilNextDue();
  }

  /** One pass: expired leases back, then up to a full set of batches per open channel. */
  async pass(): Promise<DispatchPass & { full: boolean; waiting: boolean }> {
    const now = this.clock.now();
    const expired = await this.maintenance.requeueExpired(EXPIRED_PER_PASS);

    const { dispatchBatch, dispatchMaxBatches } = this.timing;
    const room = new Map<NotificationChannel, number>();
    for (const channel of Object.values(NotificationChannel)) {
      const free = dispatchMaxBatches - (await this.queue.backlog(channel));
      if (free > 0) room.set(channel, free * dispatchBatch);
    }
    if (room.size === 0) return { dispatched: 0, expired: expired.length, full: false, waiting: true };

    // Each channel's due rows in due order, as many as it has room for, locked against other dispatchers.
    const lease = new Date(now.getTime() + this.timing.dispatchLeaseMs);
    const claimed = await rawQuery<{ id: string; channel: NotificationChannel }>(
      this.em,
      `with "picked" as (
         select d."id" from unnest(?::text[], ?::int[]) as c("channel", "room")
           cross join lateral (
             select "id" from "notifications"
              where "status" = ? and "channel" = c."channel" and "due_at" <= ? and ("next_attempt_at" is null or "next_attempt_at" <= ?)
              order by "due_at" limit c."room" for update skip locked) d)
       update "notifications" n set "status" = ?, "lease_until" = ?, "updated_at" = ?
        where n."id" = any(array(select "id" from "picked"))
       returning n."id", n."channel"`,
      [pgArray([...room.keys()]), pgArray([...room.values()].map(String)), NotificationStatus.queued, now, now, NotificationStatus.sending, lease, now],
    );
    const byChannel = new Map<NotificationChannel, string[]>();
    for (const row of claimed) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row.id]);
    for (const [channel, ids] of byChannel) {
      const batches: DeliveryBatch[] = [];
      for (let start = 0; start < ids.length; start += dispatchBatch) batches.push({ ids: ids.slice(start, start + dispatchBatch), lease: lease.getTime() });
      // Should Redis refuse them, the rows come back when their lease runs out.
      await this.queue.dispatch(channel, batches);
    }
    // A channel that took all the room it had may have more due; a channel with no room waits for its consumers.
    const full = [...byChannel].some(([channel, ids]) => ids.length >= room.get(channel)!);
    return { dispatched: claimed.length, expired: expired.length, full, waiting: room.size < Object.values(NotificationChannel).length };
  }

  /** Milliseconds until the next row falls due or the next lease runs out, at most NOTIFY_DISPATCH_POLL. */
  private async untilNextDue(): Promise<number> {
    const [row] = await this.execute<{ next: Date | string | null }>(
      `select least(
         (select min(q."due_at") from unnest(?::text[]) as c("channel")
            cross join lateral (select "due_at" from "notifications" where "status" = ? and "channel" = c."channel" and "next_attempt_at" is null order by "due_at" limit 1) q),
         (select min(greatest("due_at", "next_attempt_at")) from "notifications" where "status" = ? and "next_attempt_at" is not null),
         (select min("lease_until") from "notifications" where "status" = ?)
       ) as "next"`,
      [pgArray(Object.values(NotificationChannel)), NotificationStatus.queued, NotificationStatus.queued, NotificationStatus.sending],
    );
    if (row.next === null) return this.timing.dispatchPollMs;
    const wait = new Date(row.next).getTime() - this.clock.now().getTime();
    return Math.min(this.timing.dispatchPollMs, Math.max(COALESCE_MS, wait));
  }

  private execute<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.em.getConnection().execute<T[]>(sql, params);
  }
}
