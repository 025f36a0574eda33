import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { HeraldConfig } from '../config/herald-config';
import { RedisConnections } from '../redis/redis.module';
import { FailOpenStorage } from './fail-open-storage';
import { GraphQLThrottlerGuard, isSignedIn, throttleTracker } from './graphql-throttler.guard';
import { ThrottledStatusPlugin } from './throttled-status.plugin';

/** Request limits per caller, counted in Redis so every API process shares them; without Redis, requests pass uncounted. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [HeraldConfig, RedisConnections],
      useFactory: (config: HeraldConfig, connections: RedisConnections) => ({
        throttlers: [
          {
            ttl: config.throttleWindowMs,
            limit: (context) => (isSignedIn(context) ? config.THROTTLE_USER_LIMIT : config.THROTTLE_ANON_LIMIT),
          },
        ],
        getTracker: (_request, context) => throttleTracker(context),
        generateKey: (_context, tracker) => `${config.REDIS_KEY_PREFIX}:throttle:${tracker}`,
        // Commands fail at once while Redis is away instead of queueing: the count is skipped, not waited for.
        // The storage takes a server's or a cluster's client (its constructor overloads name them one at a time).
        storage: new FailOpenStorage(new ThrottlerStorageRedisService(connections.open('throttle', { offlineQueue: false }) as Redis)),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: GraphQLThrottlerGuard }, ThrottledStatusPlugin],
})
export class ThrottlingModule {}
