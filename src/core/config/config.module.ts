import { DynamicModule, Global, Module } from '@nestjs/common';
import { HeraldConfig } from './herald-config';

/** Makes the validated configuration injectable everywhere as `HeraldConfig`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: HeraldConfig, useValue: config }], exports: [HeraldConfig] };
  }
}
