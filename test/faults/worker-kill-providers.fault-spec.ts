import { Deployment } from '../../bench/support/herald';
import { insertBookedCustomers, insertDueRows, statusCounts } from '../../bench/support/seed';
import { TelegramBotApi } from '../support/telegram-bot-api';
import { TwilioPeer } from '../support/twilio-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { faults, NO_FAULTS, pendingCount, printTally, rowIds, tally } from './support/tally';

const KILLS = faultSize('PROVIDER_KILLS', 5);
/** Telegram messages and SMS, one of each per recipient, so each arrival names its row by address. */
const MESSAGES = faultSize('PROVIDER_KILL_MESSAGES', 400);
const SPREAD_MS = faultSize('PROVIDER_KILL_SPREAD_S', 20) * 1000;
const ANSWER_DELAY_MS = 100;
const TIMEOUT_MS = 120_000;
const BOT_TOKEN = '123456:TEST-fault-token-aaaaaaaaaaaaaaaa';
const FIRST_CHAT_ID = 7_000_000;
const PUBLIC_BASE_URL = 'https://herald.fault.test';

/**
 * The worker process is SIGKILLed mid-batch while it sends Telegram messages and SMS, 5 times:
 * each time the Bot API has taken a message whose row is still `sending` (both APIs answer
 * 100 ms after taking a message, so a kill lands inside that window), and a new worker starts.
 * Twilio reports each SMS's status to the API process the moment it takes it, as it does in
 * production, and Herald records the SMS from that report; the Bot API cannot be asked.
 */
describe('worker processes SIGKILLed while Telegram and SMS sends are in flight', () => {
  let run: FaultRun;
  let bot: TelegramBotApi;
  let twilio: TwilioPeer;
  let settled = false;
  /** Telegram messages the Bot API had taken while their row was still `sending` when their worker died. */
  const takenWhenKilled = new Set<string>();
  /** SMS Twilio had taken while their row was still `sending` when their worker died. */
  let smsUnrecordedAtKills = 0;

  /** Row id of each Telegram message the Bot API took, repeats included (one row per chat). */
  async function telegramArrivals(): Promise<string[]> {
    const rowOfChat = new Map(
      (
        await run.db.query<{ id: string; chat: string }>(
          `select n.id, u.telegram_chat_id::text as chat from notifications n join users u on u.id = n.recipient_id where n.channel = 'telegram'`,
        )
      ).rows.map((row) => [row.chat, row.id]),
    );
    return bot
      .callsOf('sendMessage')
      .filter((call) => call.reply?.ok)
      .map((call) => rowOfChat.get(String(call.params.chat_id)) ?? `chat ${String(call.params.chat_id)}`);
  }

  /** Row id of each SMS Twilio created, repeats included: its StatusCallback names the notification. */
  function smsArrivals(): string[] {
    return [...twilio.messages.values()].map((message) => new URL(message.statusCallback ?? 'https://none.invalid/').searchParams.get('notification') ?? 'no StatusCallback');
  }

  async function takenUnrecorded(arrivals: string[]): Promise<string[]> {
    return rowIds(run.db, `status = 'sending' and id = any($1::uuid[])`, [arrivals.filter((id) => !id.includes(' '))]);
  }

  beforeAll(async () => {
    run = await FaultRun.open('worker-kill-providers');
    bot = new TelegramBotApi(BOT_TOKEN, 'herald_fault_bot');
    const apiRoot = await bot.start();
    run.onClose(() => bot.stop());
    twilio = await TwilioPeer.start();
    run.onClose(() => twilio.close());
    bot.slowDown(ANSWER_DELAY_MS);
    twilio.slowDown(ANSWER_DELAY_MS);
    await insertBookedCustomers(run.db, { customers: MESSAGES, firstChatId: FIRST_CHAT_ID });
    await run.db.query(`update users set phone = '+99890' || lpad((1000000 + telegram_chat_id - ${FIRST_CHAT_ID})::text, 7, '0') where telegram_chat_id is not null`);
    const env = {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_BOT_USERNAME: 'herald_fault_bot',
      TELEGRAM_API_ROOT: apiRoot,
      TELEGRAM_UPDATES: 'none',
      TELEGRAM_MAX_PER_SECOND: '30',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE: twilio.url,
      PUBLIC_BASE_URL,
    };
    const api = await run.deploy([{ role: 'api' }, { role: 'scheduler' }], env);
    twilio.reportEvery('sent', new URL(api.graphqlUrl).origin);
    let worker: Deployment = await run.deploy([{ role: 'worker' }], env);
    const firstDueAt = new Date(Date.now() + 500);
    await insertDueRows(run.db, { count: MESSAGES, channel: 'telegram', firstDueAt, spreadMs: SPREAD_MS, keyPrefix: 'telegram' });
    await insertDueRows(run.db, { count: MESSAGES, channel: 'sms', firstDueAt, spreadMs: SPREAD_MS, keyPrefix: 'sms' });
    for (let kill = 1; kill <= KILLS; kill++) {
      await run.waitFor(
        `kill ${kill}: a Telegram message taken but not yet recorded`,
        async () => (await takenUnrecorded(await telegramArrivals())).some((id) => !takenWhenKilled.has(id)),
        TIMEOUT_MS,
        10,
      );
      await run.kill(worker);
      for (const id of await takenUnrecorded(await telegramArrivals())) takenWhenKilled.add(id);
      smsUnrecordedAtKills += (await takenUnrecorded(smsArrivals())).length;
      worker = await run.deploy([{ role: 'worker' }], env);
    }
    settled = await run.settle(async () => (await pendingCount(run.db)) === 0, SPREAD_MS + TIMEOUT_MS);
  }, 10 * 60_000);

  afterAll(() => run?.close());

  it('ends with every row sent', async () => {
    expect(settled).toBe(true);
    expect(await statusCounts(run.db)).toEqual({ sent: 2 * MESSAGES });
  });

  it('delivers every SMS once: Twilio’s report records an SMS its dead worker never recorded', async () => {
    const counted = tally(await rowIds(run.db, `channel = 'sms'`), smsArrivals());
    printTally('worker-kill-providers sms', counted, `${KILLS} SIGKILLs; ${smsUnrecordedAtKills} SMS unrecorded at the kills, ${twilio.reports.length} status reports`);
    expect(faults(counted)).toEqual(NO_FAULTS);
    expect(twilio.reports.filter((report) => report.status !== 204)).toEqual([]);
  });

  it('loses no Telegram message, and repeats only those the Bot API had taken when their worker died', async () => {
    const arrivals = await telegramArrivals();
    const counted = tally(await rowIds(run.db, `channel = 'telegram'`), arrivals);
    printTally('worker-kill-providers telegram', counted, `${KILLS} SIGKILLs; ${takenWhenKilled.size} messages were taken by the Bot API but unrecorded when their worker died`);
    expect({ lost: counted.lost, unexpected: counted.unexpected }).toEqual({ lost: 0, unexpected: 0 });
    const repeated = [...new Set(arrivals.filter((id, index) => arrivals.indexOf(id) !== index))];
    expect(repeated.filter((id) => !takenWhenKilled.has(id))).toEqual([]);
  });

  // The residual window, as for email: the Bot API cannot be asked afterwards what it took, so a
  // message taken while its worker died unrecorded goes again once its lease runs out.
  it.failing('delivers every Telegram message once', async () => {
    const counted = tally(await rowIds(run.db, `channel = 'telegram'`), await telegramArrivals());
    expect(faults(counted)).toEqual(NO_FAULTS);
  });
});
