import { MAINTENANCE_KEPT_S, NotificationJob, NotificationQueue } from '../src/notifications/queue/notification-queue';
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

  it("keeps every finished tick as long as the longest one's, so a frequent tick never trims a daily one's record", async () => {
    const queue = first.app.get(NotificationQueue);
    await queue.tick(NotificationJob.Cleanup, 86_400_000);
    await queue.tick(NotificationJob.CompletionReminders, 15 * 60_000);
    await queue.tick(NotificationJob.Promote, 60_000);
    const jobs = await queue.bullQueue.getJobs(['waiting', 'prioritized']);
    const kept = new Set(jobs.map((job) => JSON.stringify(job.opts.removeOnComplete)));
    expect([...kept]).toEqual([JSON.stringify({ age: MAINTENANCE_KEPT_S })]);
    expect(MAINTENANCE_KEPT_S).toBeGreaterThanOrEqual(2 * 86_400);
  });
});
