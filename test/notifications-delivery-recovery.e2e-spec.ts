import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { DeliveryService } from '../src/notifications/delivery/delivery.service';
import { MaintenanceService } from '../src/notifications/delivery/maintenance.service';
import { Notification, NotificationChannel, NotificationStatus } from '../src/notifications/notification.entity';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import { insertNotification, retryable, ScriptedSender, settled, waitFor } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

/** Two Herald processes (workers and schedulers both) on one database and one queue. */
describe('notifications: delivery across processes and lost Redis state (e2e)', () => {
  let first: TestApp;
  let second: TestApp;
  let sms: ScriptedSender;

  beforeAll(async () => {
    sms = new ScriptedSender(() => first.clock.now().getTime(), [], new Map(), 'first');
    // Two sends at a time per worker, so neither can take every job of a burst.
    const env = { NOTIFY_RETRY_DELAYS: '200ms,400ms,800ms', NOTIFY_PROMOTE_EVERY: '1s', NOTIFY_WORKER_CONCURRENCY: '2', NOTIFY_DISPATCH_LEASE: '3s' };
    first = await startTestApp({ env, providers: [{ provide: CHANNEL_SENDERS, useValue: [sms] }] });
    second = await startTestApp({ env, providers: [{ provide: CHANNEL_SENDERS, useValue: [sms.twin('second')] }], sharing: first });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  /** Every row ends sent, after exactly `sends` calls of the channel (1 unless a failure was scripted). */
  async function expectEachSentOnce(rows: Notification[], sends: (row: Notification) => number = () => 1): Promise<void> {
    for (const row of rows) expect(await settled(first, row.id, 15_000)).toMatchObject({ status: NotificationStatus.sent });
    // A batch still waiting or running could hold a row a second time; once none is left, a `sent`
    // row is final (nothing claims it again), so the counts below can no longer change.
    await waitFor('the SMS queue to drain', async () => (await first.app.get(NotificationQueue).backlog(NotificationChannel.sms)) === 0);
    for (const row of rows) expect({ id: row.id, sends: sms.sendsOf(row.id).length }).toEqual({ id: row.id, sends: sends(row) });
  }

  it('sends each of many notifications exactly once with two workers on one queue', async () => {
    // Which process takes a batch is up to the queue: waves of rows go out until both have sent some.
    const rows: Notification[] = [];
    const senders = () => new Set(sms.sends.filter((send) => rows.some((row) => row.id === send.notificationId)).map((send) => send.by));
    for (let wave = 0; wave < 10 && senders().size < 2; wave++) {
      const batch = await Promise.all(Array.from({ length: 40 }, (_, index) => insertNotification(index % 2 ? first : second, { dueInMs: 300 + (index % 5) * 100 })));
      rows.push(...batch);
      // Both processes also reconcile while the sends run.
      await Promise.all([first.app.get(MaintenanceService).reconcile(), second.app.get(MaintenanceService).reconcile()]);
      await expectEachSentOnce(batch);
    }
    await expectEachSentOnce(rows);
    expect([...senders()].sort()).toEqual(['first', 'second']);
  });

  it('sends each notification once after Redis loses every queue with batches in flight', async () => {
    const rows = await Promise.all(Array.from({ length: 20 }, (_, index) => insertNotification(first, { dueInMs: 1500 + index * 20 })));
    const retried = await insertNotification(first, { dueInMs: 1500 });
    sms.script(retried.id, [retryable()]);
    // Batches claimed and handed to the SMS queue (paused, so they stay in flight), then Redis
    // forgets all of it: jobs, markers, ids. (Resuming tells the consumers to look again.)
    await first.app.get(NotificationQueue).deliveryQueue(NotificationChannel.sms).pause();
    await waitFor('a batch to be handed out', async () => (await countSending()) > 0);
    const keys = await first.redis.keys(`${first.config.REDIS_KEY_PREFIX}:bull:*`);
    expect(keys.length).toBeGreaterThan(0);
    await first.redis.del(...keys);
    await first.app.get(NotificationQueue).deliveryQueue(NotificationChannel.sms).resume();

    // Leases (3 s here) bring back whatever the lost batches held; the one whose first attempt fails is sent on its second.
    await expectEachSentOnce([...rows, retried], (row) => (row.id === retried.id ? 2 : 1));
    expect((await settled(first, retried.id)).attempts).toBe(2);
  });

  it('rescues a send interrupted mid-way once its lease has run out', async () => {
    const row = await insertNotification(first, { dueInMs: -1000, status: NotificationStatus.sending, attempts: 1 });
    // As a worker that died after claiming it would leave it: its lease ran out.
    await first.orm.em.getConnection().execute(`update "notifications" set "lease_until" = now() - interval '1 second' where "id" = ?`, [row.id]);
    const done = await settled(first, row.id, 8000);
    expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 2 });
    expect(sms.sendsOf(row.id)).toHaveLength(1);
  });

  it('does not send a message twice when recording it failed after the provider accepted it', async () => {
    // Whichever process takes the batch, its first try to record fails as a dropped connection would.
    let failures = 0;
    const spies = [first, second].map((app) => {
      const delivery = app.app.get(DeliveryService);
      const original = delivery.writeSent.bind(delivery);
      return jest.spyOn(delivery, 'writeSent').mockImplementation(async (...args) => {
        if (failures++ === 0) throw new Error('Connection terminated unexpectedly');
        return original(...args);
      });
    });
    try {
      const row = await insertNotification(first, { dueInMs: 200 });
      const done = await waitFor('the row to be recorded sent', async () => {
        const current = await settled(first, row.id, 15_000);
        return current.status === NotificationStatus.sent && current;
      });
      // One claim (attempts 1), no lease left and no batch left that could hold it: it was sent once and stays so.
      expect(done).toMatchObject({ attempts: 1, leaseUntil: null });
      expect(failures).toBeGreaterThanOrEqual(2);
      await waitFor('the SMS queue to drain', async () => (await first.app.get(NotificationQueue).backlog(NotificationChannel.sms)) === 0);
      expect(sms.sendsOf(row.id)).toHaveLength(1);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  async function countSending(): Promise<number> {
    const [row] = await first.orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from notifications where status = 'sending'`);
    return row.n;
  }
});
