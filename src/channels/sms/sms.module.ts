import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { urlencoded } from 'express';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { SmsSender, TWILIO_STATUS_PATH } from './sms.sender';
import { SmsStore } from './sms.store';
import { TwilioStatusController } from './twilio-status.controller';
import { TwilioClient } from './twilio.client';

/**
 * SMS through Twilio: the sender (found by the notification engine's channel registry) and, in
 * processes serving HTTP, Twilio's delivery status callback at POST /twilio/status.
 * Without TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM the channel is "not configured".
 */
@Module({})
export class SmsModule implements NestModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: SmsModule,
      controllers: config.runs(ProcessRole.Api) ? [TwilioStatusController] : [],
      providers: [TwilioClient, SmsStore, SmsSender],
      exports: [SmsSender],
    };
  }

  /** Twilio posts form-encoded bodies; parse them here even if the app's global body parsers are turned off (a no-op when they ran). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 })).forRoutes({ path: TWILIO_STATUS_PATH.slice(1), method: RequestMethod.POST });
  }
}
