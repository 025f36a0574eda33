import { DynamicModule, Module } from '@nestjs/common';
import { HeraldConfig } from '../core/config/herald-config';
import { EmailModule } from './email/email.module';
import { SmsModule } from './sms/sms.module';
import { TelegramModule } from './telegram/telegram.module';

/**
 * The external delivery channels. Each module provides a ChannelSender, which the notification
 * engine's registry discovers; a channel without credentials reports itself "not configured".
 */
@Module({})
export class ChannelsModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return { module: ChannelsModule, imports: [TelegramModule.forConfig(config), EmailModule.forConfig(config), SmsModule.forConfig(config)] };
  }
}
