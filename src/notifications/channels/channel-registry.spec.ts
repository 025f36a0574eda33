import { DiscoveryService } from '@nestjs/core';
import { Clock, SystemClock } from '../../core/clock/clock';
import { HeraldConfig, loadConfig } from '../../core/config/herald-config';
import { LiveEvents } from '../../core/graphql/live-events';
import { NotificationChannel } from '../notification.entity';
import { RenderedMessage } from '../rendering/message-renderer';
import { ChannelRegistry } from './channel-registry';
import { ChannelAddress, ChannelError, ChannelSender, SendReceipt } from './channel-sender';
import { InAppSender } from './in-app.sender';
import { OutboxSender } from './outbox';

class SmsSender extends ChannelSender {
  readonly channel = NotificationChannel.sms;

  constructor(private readonly configured: boolean) {
    super();
  }

  isConfigured(): boolean {
    return this.configured;
  }

  addressOf(): ChannelAddress | null {
    return null;
  }

  async send(_id: string, _address: ChannelAddress, _message: RenderedMessage): Promise<SendReceipt> {
    return { providerMessageId: 'sms-1' };
  }
}

const config = (env: Record<string, string> = {}): HeraldConfig => loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), ...env });
const clock: Clock = new SystemClock();
const inApp = new InAppSender({ publish: async () => undefined } as unknown as LiveEvents);

/** A registry as Nest builds it: `discovered` stand for ChannelSender providers found in the app. */
function registry(env: Record<string, string>, overrides: ChannelSender[] = [], discovered: unknown[] = []): ChannelRegistry {
  const discovery = { getProviders: () => discovered.map((instance) => ({ instance })) } as unknown as DiscoveryService;
  const sut = new ChannelRegistry(config(env), clock, discovery, inApp, overrides);
  sut.onModuleInit();
  return sut;
}

describe(ChannelRegistry.name, () => {
  it('always sends in-app through the in-app sender', () => {
    const sut = registry({ NODE_ENV: 'production' }, []);
    expect(sut.senderFor(NotificationChannel.in_app)).toBe(inApp);
  });

  it('finds sender providers in the app, ignoring other providers; an override replaces one', () => {
    const discoveredSms = new SmsSender(true);
    expect(registry({ NODE_ENV: 'production' }, [], [discoveredSms, { not: 'a sender' }, null]).senderFor(NotificationChannel.sms)).toBe(discoveredSms);
    const override = new SmsSender(true);
    expect(registry({ NODE_ENV: 'production' }, [override], [discoveredSms]).senderFor(NotificationChannel.sms)).toBe(override);
  });

  it('uses a configured sender', () => {
    const sms = new SmsSender(true);
    const sut = registry({ NODE_ENV: 'production' }, [sms]);
    expect(sut.senderFor(NotificationChannel.sms)).toBe(sms);
  });

  it('routes a channel without a configured sender to the outbox outside production', () => {
    const sut = registry({ NODE_ENV: 'development' }, [new SmsSender(false)]);
    const sender = sut.senderFor(NotificationChannel.sms);
    expect(sender).toBeInstanceOf(OutboxSender);
    expect(sender.channel).toBe(NotificationChannel.sms);
    expect(sut.senderFor(NotificationChannel.email)).toBeInstanceOf(OutboxSender);
    expect(sut.routes()).toEqual([
      { channel: NotificationChannel.in_app, route: 'sender' },
      { channel: NotificationChannel.telegram, route: 'outbox' },
      { channel: NotificationChannel.email, route: 'outbox' },
      { channel: NotificationChannel.sms, route: 'outbox' },
    ]);
  });

  it('fails a channel without a configured sender permanently in production', () => {
    const sut = registry({ NODE_ENV: 'production' }, [new SmsSender(false)]);
    for (const channel of [NotificationChannel.telegram, NotificationChannel.email, NotificationChannel.sms]) {
      let error: unknown;
      try {
        sut.senderFor(channel);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toMatchObject({ retryable: false, message: 'channel not configured' });
    }
  });
});
