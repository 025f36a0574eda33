import { Cluster } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRedisCluster, startRedisCluster } from '../scripts/support/local-services';
import { SendRateLimiter } from '../src/channels/telegram/send-rate-limiter';
import { clusterNodes, sameSlotPrefix } from '../src/core/redis/redis.module';
import { Notification, NotificationChannel, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { HERALD_QUEUES } from '../src/notifications/queue/notification-queue';
import { createBooking, dataOf } from './bookings.fixtures';
import { waitFor } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

const USER_LIMIT = 5;
const METRICS_TOKEN = 'metrics-token-for-the-cluster-spec';

/** Every key of this test's prefix, on whichever master holds it, with that master's port. */
async function keysOf(redis: Cluster, prefix: string): Promise<{ key: string; port: number }[]> {
  const perNode = await Promise.all(
    redis.nodes('master').map(async (node) => (await node.keys(`*${prefix}*`)).map((key) => ({ key, port: node.options.port! }))),
  );
  return perNode.flat();
}

describe('Herald on a Redis Cluster', () => {
  let dir: string;
  let cluster: LocalRedisCluster;
  let herald: TestApp;
  let redis: Cluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-redis-cluster-'));
    cluster = await startRedisCluster({ dataDir: dir });
    herald = await startTestApp({
      env: {
        REDIS_CLUSTER_NODES: cluster.nodes.join(','),
        NOTIFY_CHANNELS: 'email',
        THROTTLE_USER_LIMIT: String(USER_LIMIT),
        THROTTLE_WINDOW: '1m',
        METRICS_TOKEN,
      },
    });
    redis = new Cluster(clusterNodes(herald.config));
  }, 60_000);

  afterAll(async () => {
    await herald?.close();
    await redis?.quit();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a booking’s in-app confirmation through the queue exactly once, and its live event reaches the subscriber', async () => {
    const inbox = await herald.subscribe<{ notificationReceived: { id: string; type: string } }>(
      `subscription { notificationReceived { id type } }`,
      {},
      herald.tokens.customer,
    );
    try {
      const booking = await createBooking(herald);

      const event = await inbox.next(10_000);
      expect(event.data?.notificationReceived.type).toBe(NotificationType.booking_confirmation);
      const rows = await herald.orm.em.fork().find(Notification, {
        booking: booking.id,
        recipient: herald.users.customer.id,
        type: NotificationType.booking_confirmation,
        channel: NotificationChannel.in_app,
      });
      expect(rows.map((row) => ({ id: row.id, status: row.status }))).toEqual([{ id: event.data!.notificationReceived.id, status: NotificationStatus.sent }]);

      const mine = dataOf(await herald.gql<{ myNotifications: { nodes: { type: string }[] } }>(`query { myNotifications { nodes { type } } }`, {}, herald.tokens.customer));
      expect(mine.myNotifications.nodes.map((node) => node.type)).toEqual([NotificationType.booking_confirmation]);
    } finally {
      await inbox.close();
    }
  });

  it('keeps every queue key under the hash-tagged prefix, in one slot', async () => {
    const prefix = herald.config.REDIS_KEY_PREFIX;
    const queueKeys = await waitFor('the in-app queue’s keys', async () => {
      const keys = (await keysOf(redis, prefix)).filter(({ key }) => key.includes(':bull:'));
      return keys.some(({ key }) => key.includes(':deliver-in_app:')) && keys;
    });

    expect(queueKeys.filter(({ key }) => !key.startsWith(`{${prefix}}:bull:`))).toEqual([]);
    const slot = await redis.cluster('KEYSLOT', prefix);
    const slots = await Promise.all(queueKeys.map(({ key }) => redis.cluster('KEYSLOT', key)));
    expect(new Set(slots)).toEqual(new Set([slot]));
    expect(new Set(queueKeys.map(({ port }) => port)).size).toBe(1);
  });

  it('counts requests in the cluster: a caller over THROTTLE_USER_LIMIT gets TOO_MANY_REQUESTS', async () => {
    const codes: string[] = [];
    for (let request = 0; request <= USER_LIMIT; request++) {
      const result = await herald.gql(`query { me { id } }`, {}, herald.tokens.otherCustomer);
      codes.push(String(result.errors?.[0]?.extensions?.code ?? 'OK'));
    }
    expect(codes).toEqual([...Array<string>(USER_LIMIT).fill('OK'), 'TOO_MANY_REQUESTS']);
    expect((await keysOf(redis, herald.config.REDIS_KEY_PREFIX)).some(({ key }) => key.includes(`:throttle:`))).toBe(true);
  });

  it('answers /health with Redis up, shows the queues on the dashboard and their depths in /metrics', async () => {
    const health = await fetch(`${herald.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { info: Record<string, unknown> }).info.redis).toEqual({ status: 'up', masters: 3 });

    const dashboard = await fetch(`${herald.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${herald.tokens.admin}` } });
    expect(dashboard.status).toBe(200);
    const shown = ((await dashboard.json()) as { queues: { name: string }[] }).queues.map((queue) => queue.name);
    expect(shown.sort()).toEqual([...HERALD_QUEUES].sort());

    const metrics = await (await fetch(`${herald.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    for (const queue of HERALD_QUEUES) expect(metrics).toMatch(new RegExp(`^herald_queue_depth\\{queue="${queue}"\\} \\d+$`, 'm'));
  });

  it('paces Telegram sends with scripts whose keys share a slot', async () => {
    const limits = { maxPerWindow: 5, windowMs: 1000, perChatIntervalMs: 10, leaseMs: 5000 };
    const limiter = new SendRateLimiter(redis, `${sameSlotPrefix(herald.config)}:tg-limit:42`, limits);
    await expect(limiter.run('chat-1', () => Promise.resolve('sent'))).resolves.toBe('sent');
  });

  // Last: it leaves the cluster without one master.
  it('answers /health 503 once a master is gone, though the others still answer', async () => {
    const [gone] = cluster.nodes;
    await cluster.stopNode(gone);
    const failing = await waitFor('/health to report the lost master', async () => {
      const health = await fetch(`${herald.url}/health`);
      return health.status === 503 && ((await health.json()) as { error: Record<string, { status: string; message: string }> }).error;
    });
    expect(failing.redis.status).toBe('down');
    expect(failing.redis.message).toMatch(/^2 of 3 masters answer$|^cluster_state is fail$/);
  });
});
