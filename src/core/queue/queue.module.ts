import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { HeraldConfig } from '../config/herald-config';
import { bullPrefix, RedisConnections } from '../redis/redis.module';

/** One BullMQ connection config for every queue; keys live under REDIS_KEY_PREFIX (a hash tag on a cluster). */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [HeraldConfig, RedisConnections],
      useFactory: (config: HeraldConfig, connections: RedisConnections) => ({ connection: connections.bullmqConnection('queues'), prefix: bullPrefix(config) }),
    }),
  ],
})
export class QueueModule {}
