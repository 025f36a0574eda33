import { insertBookedCustomers, insertDueRows, statusCounts } from '../../bench/support/seed';
import { BotApiCall, BotApiReply, TelegramBotApi, tooManyRequests } from '../support/telegram-bot-api';
import { TwilioPeer } from '../support/twilio-peer';
import { FaultRun, faultSize } from './support/fault-run';
import { faults, NO_FAULTS, pendingCount, printTally, tally } from './support/tally';

const TELEGRAM = faultSize('STORM_TELEGRAM', 150);
const SMS = faultSize('STORM_SMS', 150);
/** Error answers per storm: first a 5xx storm, then a 429 storm, on each provider. */
const STORM = faultSize('STORM_ANSWERS', 100);
const RETRY_AFTER_S = 2;
const TIMEOUT_MS = 180_000;
const BOT_TOKEN = '123456:TEST-fault-token-aaaaaaaaaaaaaaaa';
const FIRST_CHAT_ID = 6_000_000;
const badGateway: BotApiReply = { ok: false, error_code: 502, description: 'Bad Gateway' };

/**
 * Telegram and Twilio answer a storm of 5xx, then a storm of 429 with retry_after / Retry-After,
 * then recover. Every message must go once, and no message may be tried again sooner than the
 * provider asked after a 429. (Retries wait 1 s each here, and there are enough of them to outlast
 * the storms.)
 */
describe('providers answering 5xx and 429 storms, then recovering', () => {
  let run: FaultRun;
  let bot: TelegramBotApi;
  let twilio: TwilioPeer;
  let settled = false;

  beforeAll(async () => {
    run = await FaultRun.open('provider-storms');
    bot = new TelegramBotApi(BOT_TOKEN, 'herald_fault_bot');
    const apiRoot = await bot.start();
    run.onClose(() => bot.stop());
    twilio = await TwilioPeer.start();
    run.onClose(() => twilio.close());
    await insertBookedCustomers(run.db, { customers: Math.max(TELEGRAM, SMS), firstChatId: FIRST_CHAT_ID });
    await run.db.query(`update users set phone = '+99890' || lpad((1000000 + telegram_chat_id - ${FIRST_CHAT_ID})::text, 7, '0') where telegram_chat_id is not null`);
    bot.failNext('sendMessage', badGateway, STORM);
    bot.failNext('sendMessage', tooManyRequests(RETRY_AFTER_S), STORM);
    twilio.failNext({ status: 503, code: 20500 }, STORM);
    twilio.failNext({ status: 429, code: 20429, retryAfter: String(RETRY_AFTER_S) }, STORM);
    await run.deploy([{ role: 'scheduler' }, { role: 'worker' }], {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_BOT_USERNAME: 'herald_fault_bot',
      TELEGRAM_API_ROOT: apiRoot,
      TELEGRAM_MAX_PER_SECOND: '30',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE: twilio.url,
      NOTIFY_RETRY_DELAYS: Array.from({ length: 30 }, () => '1s').join(','),
      // No process dies here, so the default lease: paced at 30/s through the storms, a batch of
      // Telegram rows lasts longer than the suite's 10 s (see slow-provider.fault-spec.ts).
      NOTIFY_SENDING_TIMEOUT: '5m',
    });
    const firstDueAt = new Date(Date.now() + 500);
    await insertDueRows(run.db, { count: TELEGRAM, channel: 'telegram', firstDueAt, spreadMs: 0, keyPrefix: 'telegram' });
    await insertDueRows(run.db, { count: SMS, channel: 'sms', firstDueAt, spreadMs: 0, keyPrefix: 'sms' });
    settled = await run.settle(async () => (await pendingCount(run.db)) === 0, TIMEOUT_MS);
  }, 5 * 60_000);

  afterAll(() => run?.close());

  /** The address (chat id or phone) of each recipient of `channel`'s rows. */
  async function addressesOf(channel: 'telegram' | 'sms'): Promise<string[]> {
    const column = channel === 'telegram' ? 'telegram_chat_id' : 'phone';
    const { rows } = await run.db.query<{ address: string }>(
      `select u.${column}::text as address from notifications n join users u on u.id = n.recipient_id where n.channel = $1`,
      [channel],
    );
    return rows.map((row) => row.address);
  }

  it('ends with every row sent after both storms', async () => {
    expect(settled).toBe(true);
    expect(await statusCounts(run.db)).toEqual({ sent: TELEGRAM + SMS });
    expect(bot.callsOf('sendMessage').filter((call) => call.reply && !call.reply.ok).length).toBe(2 * STORM);
    expect(twilio.requests.filter((request) => request.status >= 500 || request.status === 429).length).toBe(2 * STORM);
  });

  it('delivers every Telegram message once', async () => {
    const accepted = bot.callsOf('sendMessage').filter((call) => call.reply?.ok);
    const counted = tally(await addressesOf('telegram'), accepted.map((call) => String(call.params.chat_id)));
    printTally('provider-storms telegram', counted, `${STORM} × 502, then ${STORM} × 429 retry_after ${RETRY_AFTER_S}`);
    expect(faults(counted)).toEqual(NO_FAULTS);
  });

  it('delivers every SMS once', async () => {
    const counted = tally(await addressesOf('sms'), [...twilio.messages.values()].map((message) => message.to));
    printTally('provider-storms sms', counted, `${STORM} × 503, then ${STORM} × 429 Retry-After ${RETRY_AFTER_S}`);
    expect(faults(counted)).toEqual(NO_FAULTS);
  });

  it('tries no message again sooner than retry_after after a 429', () => {
    const telegram = bot.callsOf('sendMessage').map((call: BotApiCall) => ({ to: String(call.params.chat_id), at: call.at, tooMany: call.reply?.ok === false && call.reply.error_code === 429 }));
    const sms = twilio.requests.map((request) => ({ to: request.params.To, at: request.at, tooMany: request.status === 429 }));
    expect(tooEarly(telegram)).toEqual([]);
    expect(tooEarly(sms)).toEqual([]);
  });
});

/** Each retry that came less than retry_after after the 429 its address got: `<address> after <ms> ms`. */
function tooEarly(calls: { to: string; at: number; tooMany: boolean }[]): string[] {
  const early: string[] = [];
  const last = new Map<string, { at: number; tooMany: boolean }>();
  for (const call of [...calls].sort((a, b) => a.at - b.at)) {
    const previous = last.get(call.to);
    if (previous?.tooMany && call.at - previous.at < RETRY_AFTER_S * 1000) early.push(`${call.to} after ${call.at - previous.at} ms`);
    last.set(call.to, call);
  }
  return early;
}
