import { DynamicModule, Module } from '@nestjs/common';
import { HeraldConfig } from '../../core/config/herald-config';

@Module({})
export class EmailModule {
  static forConfig(_config: HeraldConfig): DynamicModule {
    return { module: EmailModule };
  }
}
