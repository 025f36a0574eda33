import { Global, Injectable, Module } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { HeraldConfig } from '../config/herald-config';
import { RedisConnections } from '../redis/redis.module';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** JSON through Redis loses Dates; bring ISO instants back as Dates. */
const reviveDates = (_key: string, value: unknown) => (typeof value === 'string' && ISO_INSTANT.test(value) ? new Date(value) : value);

/**
 * Events for GraphQL subscriptions, carried over Redis pub/sub so an event published by any
 * Herald process reaches subscribers connected to any other.
 */
@Injectable()
export class LiveEvents {
  private readonly pubSub: RedisPubSub;
  private readonly prefix: string;

  constructor(config: HeraldConfig, connections: RedisConnections) {
    this.prefix = `${config.REDIS_KEY_PREFIX}:live:`;
    this.pubSub = new RedisPubSub({
      publisher: connections.open('live-publisher', { autoPipelining: true }),
      subscriber: connections.open('live-subscriber'),
      reviver: reviveDates,
    });
  }

  publish<T>(topic: string, payload: T): Promise<void> {
    return this.pubSub.publish(this.prefix + topic, payload);
  }

  subscribe<T>(topic: string): AsyncIterableIterator<T> {
    return this.pubSub.asyncIterableIterator<T>(this.prefix + topic);
  }
}

/**
 * What the subscribers of a topic derive from an event (the row it names, loaded), computed once
 * per event in this process and shared by its subscribers. The subscriber connection parses each
 * message once and hands every subscriber of this process the same payload object, which keys
 * the result; it is dropped with the payload.
 */
export function oncePerEvent<P extends object, R>(derive: (payload: P) => Promise<R>): (payload: P) => Promise<R> {
  const derived = new WeakMap<P, Promise<R>>();
  return (payload) => {
    let result = derived.get(payload);
    if (!result) derived.set(payload, (result = derive(payload)));
    return result;
  };
}

@Global()
@Module({ providers: [LiveEvents], exports: [LiveEvents] })
export class LiveEventsModule {}
