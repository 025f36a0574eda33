import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { Cluster, ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';
import { HeraldConfig } from '../config/herald-config';

/** A client of the one Redis at REDIS_URL, or of the Redis Cluster of REDIS_CLUSTER_NODES. */
export type RedisClient = Redis | Cluster;

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

/** The seed nodes of REDIS_CLUSTER_NODES; none when Herald uses the one Redis at REDIS_URL. */
export function clusterNodes(config: HeraldConfig): ClusterNode[] {
  return config.REDIS_CLUSTER_NODES.split(',')
    .map((node) => node.trim())
    .filter(Boolean)
    .map((node) => {
      const colon = node.lastIndexOf(':');
      return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
    });
}

/**
 * What the connection to each cluster node takes from REDIS_URL: user, password and TLS
 * (`rediss:`). Its host, port and database are not used: a cluster has database 0 only.
 */
function clusterNodeOptions(config: HeraldConfig): ClusterOptions['redisOptions'] {
  const { username, password, tls, maxRetriesPerRequest } = redisOptions(config);
  return { username, password, tls, maxRetriesPerRequest };
}

/**
 * The start of keys that one command or script must find in one place (a BullMQ queue's, the
 * Telegram limiter's). On a cluster it is REDIS_KEY_PREFIX as a hash tag, `{herald}`, so the
 * cluster places such keys by the prefix alone, in one slot; elsewhere the plain prefix.
 */
export function sameSlotPrefix(config: HeraldConfig): string {
  return clusterNodes(config).length ? `{${config.REDIS_KEY_PREFIX}}` : config.REDIS_KEY_PREFIX;
}

/** BullMQ's `prefix` for every queue and consumer. */
export const bullPrefix = (config: HeraldConfig): string => `${sameSlotPrefix(config)}:bull`;

export const REDIS = Symbol('REDIS');

/** Opens Redis connections (to one server or a cluster) and closes every one it opened when the app stops. */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly opened: RedisClient[] = [];
  private readonly logger = new Logger(RedisConnections.name);
  private readonly nodes: ClusterNode[];

  constructor(private readonly config: HeraldConfig) {
    this.nodes = clusterNodes(config);
  }

  /**
   * `autoPipelining`: commands issued in one tick leave in one write (a batch's live publishes).
   * `offlineQueue: false`: while disconnected, commands fail at once instead of waiting for the connection.
   */
  open(name: string, options: { autoPipelining?: boolean; offlineQueue?: boolean } = {}): RedisClient {
    const enableAutoPipelining = options.autoPipelining ?? false;
    const enableOfflineQueue = options.offlineQueue ?? true;
    const connectionName = `herald:${name}`;
    const client = this.nodes.length
      ? new Cluster(this.nodes, { redisOptions: { ...clusterNodeOptions(this.config), connectionName }, enableAutoPipelining, enableOfflineQueue })
      : new Redis({ ...redisOptions(this.config), connectionName, enableAutoPipelining, enableOfflineQueue });
    // ioredis reconnects by itself; an error listener keeps its complaints in our logs.
    client.on('error', (error: Error) => this.logger.warn(`Redis (${name}): ${error.message}`));
    this.opened.push(client);
    return client;
  }

  /**
   * BullMQ's `connection`. For one Redis, its settings: BullMQ opens and closes its own
   * connections. BullMQ cannot open a cluster client from settings, so on a cluster it gets one of
   * ours, which it shares between its queues and consumers and which we close after them.
   */
  bullmqConnection(name: string): RedisOptions | Cluster {
    return this.nodes.length ? (this.open(name) as Cluster) : redisOptions(this.config);
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
