import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BookingEventData, BookingEventType } from '../../bookings/booking-event.entity';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { PgListener } from '../../core/database/pg-listener';
import { WakeableLoop } from '../../core/scheduling/wakeable-loop';
import { NotificationPlanner } from './notification-planner.service';
import { briefError } from '../../core/errors/graphql-error.filter';

/** The NOTIFY channel booking_events inserts announce themselves on (see the relay migration). */
const ANNOUNCE_CHANNEL = 'herald_booking_events';
const POSITION = 'booking_events';
/** Key of the advisory lock that lets one relay pass run at a time, across processes. */
const RELAY_LOCK: [number, number] = [0x4e50, 0x52454c];
/** Events planned per transaction. */
const BATCH = 500;

/**
 * Every transaction below this id had ended when it was computed, but for transactions of
 * other databases: the oldest in progress in the snapshot, else the snapshot's xmax. (The
 * snapshot's xmin alone would do, but a long transaction in another database would hold the
 * relay up, so those that pg_stat_activity shows running elsewhere are left out.) Only ever
 * leave out what is known to be elsewhere: a transaction of this database that pg_stat_activity
 * no longer shows (it committed after the snapshot was taken, or it is prepared) stays in, or
 * the relay could read past it before its events are visible.
 */
const SETTLED_BOUND = `with "snapshot" as (select pg_current_snapshot() as "s")
  select coalesce(
    (select min(x) from "snapshot", pg_snapshot_xip("snapshot"."s") x
      where (x::text::bigint % 4294967296) not in (
        select a."backend_xid"::text::bigint from pg_stat_activity a where a."datname" is distinct from current_database() and a."backend_xid" is not null)),
    (select pg_snapshot_xmax("s") from "snapshot"))::text as "bound"`;

interface EventRow {
  id: string;
  booking_id: string;
  type: BookingEventType;
  booking_version: number;
  data: BookingEventData;
  tx_id: string;
  seq: string;
}

/**
 * The transactional outbox's relay: plans notifications from `booking_events`, in commit order,
 * at least once, from a durable position. A booking change commits its event row and returns;
 * the relay (on worker and scheduler processes) wakes on the row's NOTIFY, polls every
 * NOTIFY_RELAY_POLL as the safety net, and plans each batch in one transaction that also moves
 * its position, so a process dying anywhere loses nothing and planning (idempotent) may repeat.
 *
 * Order: events are read by (transaction id, sequence), only from transactions older than every
 * transaction still running in this database when the pass began, in a statement after the one
 * that found that bound, so a commit can never land behind the position.
 */
@Injectable()
export class BookingEventRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BookingEventRelay.name);
  private listener: PgListener | null = null;
  private readonly loop: WakeableLoop;

  constructor(
    private readonly em: EntityManager,
    private readonly planner: NotificationPlanner,
    private readonly config: HeraldConfig,
  ) {
    const pollMs = config.notificationTiming.relayPollMs;
    this.loop = new WakeableLoop(() => this.passes(pollMs), pollMs, (error) =>
      this.logger.warn(`Relay pass failed (${briefError(error)}); the next wake-up retries`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runs(ProcessRole.Worker) && !this.config.runs(ProcessRole.Scheduler)) return;
    this.loop.start();
    this.listener = new PgListener(this.config.DATABASE_URL, [ANNOUNCE_CHANNEL], () => this.loop.wake(), this.config.notificationTiming.relayPollMs, 'relay');
    await this.listener.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await this.listener?.stop();
  }

  /**
   * Plans every event committed so far, waiting for a pass another process is making; returns
   * how many events it planned. For operators, tests and processes that do not run the relay loop.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const planned = await this.pass(true);
      total += planned;
      if (planned < BATCH) return total;
    }
  }


  /** Full batches one after another, then a nap until the next poll. */
  private async passes(pollMs: number): Promise<number> {
    while ((await this.pass(false)) === BATCH);
    return pollMs;
  }

  /** One batch in one transaction: read past the position, plan, move the position. Returns the batch's size. */
  private async pass(wait: boolean): Promise<number> {
    return this.em.fork().transactional(async (tx) => {
      if (wait) await tx.execute('select pg_advisory_xact_lock(?, ?)', RELAY_LOCK);
      else {
        const [{ locked }] = await tx.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?, ?) as "locked"', RELAY_LOCK);
        // Another process is making a pass; it will see what woke us.
        if (!locked) return 0;
      }
      // Its own statement: the read below takes a later snapshot, which sees every transaction under the bound ended.
      const [{ bound }] = await tx.execute<{ bound: string }[]>(SETTLED_BOUND);
      const events = await tx.execute<EventRow[]>(
        `select e."id", e."booking_id", e."type", e."booking_version", e."data", e."tx_id"::text as "tx_id", e."seq"
           from "booking_events" e, "notification_relay_positions" p
          where p."name" = ? and (e."tx_id", e."seq") > (p."tx_id", p."seq")
            and e."tx_id" < ?::xid8
          order by e."tx_id", e."seq" limit ?`,
        [POSITION, bound, BATCH],
      );
      if (events.length === 0) return 0;
      await this.planner.planEvents(
        tx,
        events.map((event) => ({ eventId: event.id, bookingId: event.booking_id, type: event.type, bookingVersion: event.booking_version, data: event.data ?? {} })),
      );
      const last = events[events.length - 1];
      await tx.execute(`update "notification_relay_positions" set "tx_id" = ?::xid8, "seq" = ?, "updated_at" = now() where "name" = ?`, [last.tx_id, last.seq, POSITION]);
      return events.length;
    });
  }
}
