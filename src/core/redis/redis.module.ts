import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { HeraldConfig } from '../config/herald-config';

/** Connection settings parsed once from REDIS_URL, for BullMQ and for our own clients. */
export function redisOptions(config: HeraldConfig): RedisOptions {
  const url = new URL(config.REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export const REDIS = Symbol('REDIS');

/** Opens Redis connections and closes every one it opened when the app stops. */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly opened: Redis[] = [];
  private readonly logger = new Logger(RedisConnections.name);

  constructor(private readonly config: HeraldConfig) {}

  /**
   * `autoPipelining`: commands issued in one tick leave in one write (a batch's live publishes).
   * `offlineQueue: false`: while disconnected, commands fail at once instead of waiting for the connection.
   */
  open(name: string, options: { autoPipelining?: boolean; offlineQueue?: boolean } = {}): Redis {
    const client = new Redis({
      ...redisOptions(this.config),
      connectionName: `herald:${name}`,
      enableAutoPipelining: options.autoPipelining ?? false,
      enableOfflineQueue: options.offlineQueue ?? true,
    });
    // ioredis reconnects by itself; an error listener keeps its complaints in our logs.
    client.on('error', (error: Error) => this.logger.warn(`Redis (${name}): ${error.message}`));
    this.opened.push(client);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.opened.map((client) => client.quit().catch(() => client.disconnect())));
  }
}

@Global()
@Module({
  providers: [
    RedisConnections,
    { provide: REDIS, inject: [RedisConnections], useFactory: (connections: RedisConnections) => connections.open('commands') },
  ],
  exports: [RedisConnections, REDIS],
})
export class RedisModule {}

export const InjectRedis = () => Inject(REDIS);
