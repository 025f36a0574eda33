import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationChannel, NotificationType } from '../notification.entity';
import { MessageAbout, NOTHING_TO_RENEW } from './channel-sender';
import { OutboxReader, OutboxSender } from './outbox';

class SteppingClock extends Clock {
  private at = new Date('2031-01-10T06:00:00Z').getTime();

  now(): Date {
    this.at += 1000;
    return new Date(this.at);
  }
}

const ABOUT: MessageAbout = { type: NotificationType.booking_reminder, booking: null };

describe(OutboxSender.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const address = { userId: 'u1', to: 'kamola@example.test', locale: 'en' };
  const message = { subject: 'Hello', text: 'Body', html: '<p>Body</p>' };

  it('writes one JSON file per message and names it in the receipt', async () => {
    const clock = new SteppingClock();
    const sut = new OutboxSender(NotificationChannel.email, dir, clock);
    const receipt = await sut.send('n-1', address, message, ABOUT, NOTHING_TO_RENEW);
    expect(receipt).toEqual({ providerMessageId: 'outbox:email/n-1.json' });
    const file = JSON.parse(readFileSync(join(dir, 'email', 'n-1.json'), 'utf8'));
    expect(file).toEqual({
      notificationId: 'n-1',
      channel: 'email',
      to: 'kamola@example.test',
      subject: 'Hello',
      text: 'Body',
      html: '<p>Body</p>',
      createdAt: '2031-01-10T06:00:01.000Z',
    });
  });

  it('addresses users the way its channel does', () => {
    const user = { id: 'u1', email: 'a@b.test', phone: null, telegramChatId: '42', locale: 'ru' };
    expect(new OutboxSender(NotificationChannel.telegram, dir, new SteppingClock()).addressOf(user)).toEqual({ userId: 'u1', to: '42', locale: 'ru' });
    expect(new OutboxSender(NotificationChannel.sms, dir, new SteppingClock()).addressOf(user)).toBeNull();
  });

  it('is read back newest first, by channel, limited, ignoring what is not a message', async () => {
    const clock = new SteppingClock();
    const email = new OutboxSender(NotificationChannel.email, dir, clock);
    const sms = new OutboxSender(NotificationChannel.sms, dir, clock);
    await email.send('n-1', address, message, ABOUT, NOTHING_TO_RENEW);
    await sms.send('n-2', { ...address, to: '+998901234567' }, { subject: 'S', text: 'T' }, ABOUT, NOTHING_TO_RENEW);
    await email.send('n-3', address, message, ABOUT, NOTHING_TO_RENEW);
    writeFileSync(join(dir, 'email', 'broken.json'), '{');
    writeFileSync(join(dir, 'email', 'notes.txt'), 'hi');

    const reader = new OutboxReader({ OUTBOX_DIR: dir } as HeraldConfig);
    expect((await reader.list()).map((m) => m.notificationId)).toEqual(['n-3', 'n-2', 'n-1']);
    expect((await reader.list({ channel: NotificationChannel.email })).map((m) => m.notificationId)).toEqual(['n-3', 'n-1']);
    expect((await reader.list({ limit: 1 })).map((m) => m.notificationId)).toEqual(['n-3']);
    const [smsMessage] = await reader.list({ channel: NotificationChannel.sms });
    expect(smsMessage).toMatchObject({ to: '+998901234567', html: null, providerMessageId: 'outbox:sms/n-2.json', createdAt: new Date('2031-01-10T06:00:02.000Z') });
    expect(await reader.get('outbox:sms/n-2.json')).toEqual(smsMessage);
    expect(await reader.get('outbox:../etc/passwd')).toBeNull();
  });

  it('reads an outbox that does not exist yet as empty', async () => {
    const reader = new OutboxReader({ OUTBOX_DIR: join(dir, 'missing') } as HeraldConfig);
    expect(await reader.list()).toEqual([]);
  });
});
