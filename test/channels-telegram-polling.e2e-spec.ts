import { User } from '../src/users/user.entity';
import { waitFor } from './notifications-delivery.fixtures';
import { TelegramBotApi } from './support/telegram-bot-api';
import { startTestApp, TestApp } from './support/test-app';

const TOKEN = '123456789:TEST-token_abcdefghijklmnopqrstuvwxyz';

describe('channels: Telegram long polling (e2e)', () => {
  let t: TestApp | undefined;
  let api: TelegramBotApi;

  beforeAll(async () => {
    api = new TelegramBotApi(TOKEN, 'herald_test_bot');
    await api.start();
  });
  afterAll(async () => {
    await t?.close();
    await api.stop();
  });

  it('receives updates with getUpdates in an API process, and stops polling cleanly on shutdown', async () => {
    t = await startTestApp({
      env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_BOT_USERNAME: 'herald_test_bot', TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_UPDATES: 'polling' },
    });
    await waitFor('polling to start', async () => api.callsOf('getUpdates').length > 0);
    expect(api.callsOf('deleteWebhook')).toHaveLength(1);

    await t.orm.em.fork().nativeUpdate(User, { id: t.users.customer.id }, { telegramChatId: '6001' });
    api.queueUpdate(api.messageUpdate(6001, '/stop'));
    await waitFor('the /stop reply', async () => api.callsOf('sendMessage').find((call) => Number(call.params.chat_id) === 6001));
    const user = await t.orm.em.fork().findOneOrFail(User, { id: t.users.customer.id });
    expect(user.telegramOffAt).toBeInstanceOf(Date);

    await t.close();
    t = undefined;
    const polls = api.callsOf('getUpdates').length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(api.callsOf('getUpdates').length).toBeLessThanOrEqual(polls + 1);
  });

  it('does not poll in a process that does not run the API', async () => {
    api.reset();
    t = await startTestApp({
      env: { HERALD_ROLE: 'worker', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_BOT_USERNAME: 'herald_test_bot', TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_UPDATES: 'polling' },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(api.callsOf('getUpdates')).toHaveLength(0);
  });
});
