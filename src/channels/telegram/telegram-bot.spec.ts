import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getBotToken, TelegrafModule } from 'nestjs-telegraf';
import { Telegraf } from 'telegraf';
import { HeraldConfig, ProcessRole } from '../../core/config/herald-config';
import { TelegramBot } from './telegram-bot';

const TOKEN = '123456789:TEST-token_abcdefghijklmnopqrstuvwxyz';

@Injectable()
class ShutdownProbe implements OnApplicationShutdown {
  static called = 0;
  onApplicationShutdown(): void {
    ShutdownProbe.called++;
  }
}

/** A module whose hooks Nest runs after the bot's module's: it must still be reached. */
@Module({ providers: [ShutdownProbe] })
class ProbeModule {}

async function appWith(config: Partial<HeraldConfig>) {
  const moduleRef = await Test.createTestingModule({
    imports: [ProbeModule, TelegrafModule.forRoot({ token: TOKEN, launchOptions: false, options: { telegram: { apiRoot: 'http://127.0.0.1:9' } } })],
    providers: [{ provide: HeraldConfig, useValue: Object.assign(new HeraldConfig(), config) }, TelegramBot],
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

describe('TelegramBot with nestjs-telegraf', () => {
  beforeEach(() => (ShutdownProbe.called = 0));

  it('gets the bot from nestjs-telegraf, and shutting down a bot that never launched neither throws nor skips other hooks', async () => {
    const app = await appWith({ HERALD_ROLE: ProcessRole.Worker, TELEGRAM_UPDATES: 'polling' });
    await app.init();
    const bot = app.get(TelegramBot);
    expect(bot.configured).toBe(true);
    expect(bot.telegraf).toBe(app.get<Telegraf>(getBotToken()));
    // Telegraf's own stop would throw "Bot is not running!" here.
    expect(() => bot.telegraf!.stop()).not.toThrow();
    await expect(app.close()).resolves.toBeUndefined();
    expect(ShutdownProbe.called).toBe(1);
  });

  it('is not configured without a bot', () => {
    const bot = new TelegramBot(new HeraldConfig());
    expect(bot.configured).toBe(false);
    expect(() => bot.onApplicationShutdown()).not.toThrow();
    expect(() => bot.call('getMe', {})).toThrow('Telegram is not configured');
  });
});
