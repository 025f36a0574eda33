import Redis from 'ioredis';

/** One in-app delivery as the live topic announced it. */
export interface Delivery {
  notificationId: string;
  recipientId: string;
  /** Date.now() when the sink received it. */
  at: number;
}

/**
 * Counts in-app deliveries: subscribes to `<prefix>:live:notificationReceived:*`, the recipients'
 * topics, where Herald publishes `{ notificationId, recipientId }` for every in-app message it delivers, and keeps
 * each announcement with its arrival time, so doubles show up. The subscription survives a
 * FLUSHALL.
 */
export class DeliverySink {
  readonly deliveries: Delivery[] = [];
  private readonly timesById = new Map<string, number>();

  private constructor(private readonly redis: Redis) {}

  static async open(redisUrl: string, keyPrefix: string): Promise<DeliverySink> {
    const redis = new Redis(redisUrl, { connectionName: 'bench:sink' });
    const sink = new DeliverySink(redis);
    redis.on('pmessage', (_pattern: string, _channel: string, message: string) => sink.record(message));
    await redis.psubscribe(`${keyPrefix}:live:notificationReceived:*`);
    return sink;
  }

  /** Announcements received, doubles included. */
  get count(): number {
    return this.deliveries.length;
  }

  /** Distinct notifications announced. */
  get distinct(): number {
    return this.timesById.size;
  }

  /** Announcements beyond the first of their notification. */
  get doubles(): number {
    return this.deliveries.length - this.timesById.size;
  }

  /** Arrival times of each notification's first announcement. */
  firstArrivals(): Map<string, number> {
    const first = new Map<string, number>();
    for (const delivery of this.deliveries) if (!first.has(delivery.notificationId)) first.set(delivery.notificationId, delivery.at);
    return first;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** A message without a notification id is not a delivery: it is left out (and so shows as one missing). */
  private record(message: string): void {
    let parsed: { notificationId?: unknown; recipientId?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (typeof parsed.notificationId !== 'string') return;
    this.deliveries.push({ notificationId: parsed.notificationId, recipientId: String(parsed.recipientId), at: Date.now() });
    this.timesById.set(parsed.notificationId, (this.timesById.get(parsed.notificationId) ?? 0) + 1);
  }
}
