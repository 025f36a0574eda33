import { DynamicModule, Module } from '@nestjs/common';
import { HeraldConfig } from '../../core/config/herald-config';
import { PreferencesStoreModule } from '../../preferences/preferences-store.module';
import { EmailSender } from './email.sender';
import { MailTransport } from './mail-transport';
import { NodemailerTransport, UnconfiguredMailTransport } from './nodemailer-transport';

/**
 * Email over SMTP. The notification engine discovers EmailSender; without SMTP_URL it reports
 * itself not configured and email goes to the development outbox (in production: fails).
 */
@Module({})
export class EmailModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: EmailModule,
      imports: [PreferencesStoreModule],
      providers: [
        {
          provide: MailTransport,
          useFactory: (): MailTransport => (config.SMTP_URL ? NodemailerTransport.fromUrl(config.SMTP_URL) : new UnconfiguredMailTransport()),
        },
        EmailSender,
      ],
      exports: [EmailSender],
    };
  }
}
