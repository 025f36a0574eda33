import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { HeraldConfig } from '../config/herald-config';
import { redisOptions } from '../redis/redis.module';

/** One BullMQ connection config for every queue; keys live under REDIS_KEY_PREFIX. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [HeraldConfig],
      useFactory: (config: HeraldConfig) => ({ connection: redisOptions(config), prefix: `${config.REDIS_KEY_PREFIX}:bull` }),
    }),
  ],
})
export class QueueModule {}
