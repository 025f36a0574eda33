import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Module } from '@nestjs/common';
import { HeraldConfig } from '../config/herald-config';
import { ormOptions } from './orm-options';

@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      driver: PostgreSqlDriver,
      inject: [HeraldConfig],
      useFactory: (config: HeraldConfig) => ormOptions(config.DATABASE_URL),
    }),
  ],
})
export class DatabaseModule {}
