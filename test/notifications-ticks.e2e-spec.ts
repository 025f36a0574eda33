import { NotificationJob, NotificationQueue } from '../src/notifications/queue/notification-queue';
import { startTestApp, TestApp } from './support/test-app';

describe('maintenance ticks across scheduler processes', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    // API role: nothing consumes the queue, so the jobs the ticks add stay where they are.
    first = await startTestApp({ env: { HERALD_ROLE: 'api' } });
    second = await startTestApp({ env: { HERALD_ROLE: 'api' }, sharing: first });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('two schedulers asking for the same tick queue one job; the next tick queues the next one', async () => {
    const queues = [first.app.get(NotificationQueue), second.app.get(NotificationQueue)];
    const every = 60_000;
    await Promise.all([...queues, ...queues].map((queue) => queue.tick(NotificationJob.Promote, every)));
    const waiting = async () => (await queues[0].bullQueue.getJobs(['waiting', 'prioritized'])).filter((job) => job.name === NotificationJob.Promote);
    expect(await waiting()).toHaveLength(1);

    first.clock.travel(every);
    await Promise.all(queues.map((queue) => queue.tick(NotificationJob.Promote, every)));
    const ids = (await waiting()).map((job) => job.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });
});
