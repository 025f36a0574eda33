import { CHANNEL_SENDERS } from '../src/notifications/channels/channel-registry';
import { MaintenanceService } from '../src/notifications/delivery/maintenance.service';
import { Notification, NotificationStatus } from '../src/notifications/notification.entity';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import { insertNotification, retryable, ScriptedSender, settled, sleep } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

/** Two Herald processes (workers and schedulers both) on one database and one queue. */
describe('notifications: delivery across processes and lost Redis state (e2e)', () => {
  let first: TestApp;
  let second: TestApp;
  let sms: ScriptedSender;

  beforeAll(async () => {
    sms = new ScriptedSender(() => first.clock.now().getTime(), [], new Map(), 'first');
    // Two sends at a time per worker, so neither can take every job of a burst.
    const env = { NOTIFY_RETRY_DELAYS: '200ms,400ms,800ms', NOTIFY_PROMOTE_EVERY: '1s', NOTIFY_WORKER_CONCURRENCY: '2' };
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
    // Give a stray duplicate job time to show itself.
    await sleep(1500);
    for (const row of rows) expect({ id: row.id, sends: sms.sendsOf(row.id).length }).toEqual({ id: row.id, sends: sends(row) });
  }

  it('sends each of many notifications exactly once with two workers on one queue', async () => {
    const rows = await Promise.all(Array.from({ length: 40 }, (_, index) => insertNotification(index % 2 ? first : second, { dueInMs: 300 + (index % 5) * 100 })));
    // Both processes also rebuild jobs from Postgres while the sends run.
    await Promise.all([first.app.get(MaintenanceService).reconcile(), second.app.get(MaintenanceService).reconcile()]);
    await expectEachSentOnce(rows);
    const ids = new Set(rows.map((row) => row.id));
    const byProcess = new Set(sms.sends.filter((send) => ids.has(send.notificationId)).map((send) => send.by));
    expect([...byProcess].sort()).toEqual(['first', 'second']);
  });

  it('rebuilds every due job after Redis loses the queue, sending each notification once', async () => {
    const rows = await Promise.all(Array.from({ length: 20 }, (_, index) => insertNotification(first, { dueInMs: 1500 + index * 20 })));
    const retried = await insertNotification(first, { dueInMs: 1500 });
    sms.script(retried.id, [retryable()]);
    const queue = first.app.get(NotificationQueue).bullQueue;
    expect(await queue.getDelayedCount()).toBeGreaterThanOrEqual(rows.length);

    // Redis forgets the whole queue: jobs, markers, ids.
    const keys = await first.redis.keys(`${first.config.REDIS_KEY_PREFIX}:bull:notifications:*`);
    expect(keys.length).toBeGreaterThan(0);
    await first.redis.del(...keys);
    expect(await queue.getJob(rows[0].id)).toBeUndefined();

    // Reconcile (the schedulers also tick it every second) adds each job back, once, however often it runs.
    const maintenance = [first.app.get(MaintenanceService), second.app.get(MaintenanceService)];
    await Promise.all([...maintenance, ...maintenance].map((service) => service.reconcile()));
    expect(await queue.getJob(rows[0].id)).toBeDefined();
    // The one whose first attempt fails retries on its job and is sent on the second attempt.
    await expectEachSentOnce([...rows, retried], (row) => (row.id === retried.id ? 2 : 1));
    expect((await settled(first, retried.id)).attempts).toBe(2);
  });

  it('rescues a send interrupted mid-way once the sending timeout has passed', async () => {
    const row = await insertNotification(first, { dueInMs: -1000, status: NotificationStatus.sending, attempts: 1 });
    // As a worker that died after claiming it would leave it: no job, last touched long ago.
    await first.orm.em.getConnection().execute(`update "notifications" set "updated_at" = now() - interval '10 minutes' where "id" = ?`, [row.id]);
    const done = await settled(first, row.id, 8000);
    expect(done).toMatchObject({ status: NotificationStatus.sent, attempts: 2 });
    expect(sms.sendsOf(row.id)).toHaveLength(1);
  });
});
