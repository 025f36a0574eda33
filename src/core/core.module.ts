import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ClockModule } from './clock/clock';
import { ConfigModule } from './config/config.module';
import { HeraldConfig } from './config/herald-config';
import { DatabaseModule } from './database/database.module';
import { GraphQLErrorFilter } from './errors/graphql-error.filter';
import { inputValidationPipe } from './errors/validation';
import { LiveEventsModule } from './graphql/live-events';
import { LoggingModule } from './logging/logging.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';

/** Everything every Herald process needs, whatever its role. */
@Module({})
export class CoreModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ClockModule,
        DatabaseModule,
        RedisModule,
        LiveEventsModule,
        QueueModule,
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false }),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: inputValidationPipe },
        { provide: APP_FILTER, useClass: GraphQLErrorFilter },
      ],
    };
  }
}
