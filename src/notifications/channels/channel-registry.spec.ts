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

describe(ChannelRegistry.name, () => {
  it('always sends in-app through the in-app sender', () => {
    const sut = new ChannelRegistry(config({ NODE_ENV: 'production' }), clock, inApp, []);
    expect(sut.senderFor(NotificationChannel.in_app)).toBe(inApp);
  });

  it('uses a configured sender', () => {
    const sms = new SmsSender(true);
    const sut = new ChannelRegistry(config({ NODE_ENV: 'production' }), clock, inApp, [sms]);
    expect(sut.senderFor(NotificationChannel.sms)).toBe(sms);
  });

  it('routes a channel without a configured sender to the outbox outside production', () => {
    const sut = new ChannelRegistry(config({ NODE_ENV: 'development' }), clock, inApp, [new SmsSender(false)]);
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
    const sut = new ChannelRegistry(config({ NODE_ENV: 'production' }), clock, inApp, [new SmsSender(false)]);
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
