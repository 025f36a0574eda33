import { DynamicModule, Module } from '@nestjs/common';
import { HeraldConfig } from '../../core/config/herald-config';

@Module({})
export class TelegramModule {
  static forConfig(_config: HeraldConfig): DynamicModule {
    return { module: TelegramModule };
  }
}
