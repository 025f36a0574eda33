import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module } from '@nestjs/common';
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
        storage: new FailOpenStorage(new ThrottlerStorageRedisService(connections.open('throttle', { offlineQueue: false }))),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: GraphQLThrottlerGuard }, ThrottledStatusPlugin],
})
export class ThrottlingModule {}
