import { TelegramBotApi } from '../../test/support/telegram-bot-api';
import { awaitSettled, describeCounts, prepareDueRows } from '../support/due-rows';
import { atLeast, atMost, metric } from '../support/report';
import { Scenario } from '../support/scenario';
import { perSecond } from '../support/stats';
import { SECOND } from '../support/time';
import { RateLimitedBotApi, TELEGRAM_LIMITS } from '../support/telegram-limits';

const BOT_TOKEN = '123456:TEST-bench-token-aaaaaaaaaaaaaaaa';
const BOT_USERNAME = 'herald_bench_bot';
const FIRST_CHAT_ID = 5_000_000;

/**
 * Telegram rows due at once for many chats (several messages each), sent by two worker
 * processes to a local Bot API that enforces Telegram's flood limits (30 messages/s overall,
 * 1/s per chat; 429 with retry_after beyond them). Goal: no 429 at all, and a sustained rate
 * close to the limit.
 */
export const telegram: Scenario = {
  name: 'telegram',
  description: "telegram rows through two workers against Telegram's flood limits: 429s and sustained rate",
  async run(run) {
    const count = run.settings.scaled('N', 10_000, 50);
    const chats = run.settings.scaled('CHATS', 2_000, 10);
    const graceMs = run.settings.fixed('TIMEOUT_S', 120) * SECOND;

    const bot = new RateLimitedBotApi(new TelegramBotApi(BOT_TOKEN, BOT_USERNAME));
    const apiRoot = await bot.start();
    run.onClose(() => bot.stop());
    const env = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_BOT_USERNAME: BOT_USERNAME, TELEGRAM_API_ROOT: apiRoot, TELEGRAM_UPDATES: 'none' };
    const rows = await prepareDueRows(run, {
      count,
      recipients: chats,
      channel: 'telegram',
      spreadMs: 0,
      processes: [{ role: 'worker' }, { role: 'worker' }],
      env,
      firstChatId: FIRST_CHAT_ID,
    });
    // At the limit the run takes count / 30 s; allow for 24/s and a grace period.
    const timeoutMs = (count / 24) * SECOND + graceMs;
    run.log(`${count} telegram rows for ${chats} chats; waiting up to ${Math.round(timeoutMs / SECOND)} s`);
    const settled = await awaitSettled(run, count, rows.firstDueAt + timeoutMs - Date.now(), 500);
    await run.stopDeployments();

    const sent = settled.counts.sent ?? 0;
    const elapsedMs = settled.lastSentAt === null ? null : settled.lastSentAt - rows.firstDueAt;
    run.details.telegram = { ...settled, elapsedMs, accepted: bot.accepted.length, tooManyRequests: bot.tooManyRequests, limits: TELEGRAM_LIMITS };
    run.notes.push(`${describeCounts(settled.counts, count)}; Bot API accepted ${bot.accepted.length} sendMessage, answered 429 to ${bot.tooManyRequests}`);
    if (!settled.done) run.notes.push(`timed out after ${Math.round(timeoutMs / SECOND)} s`);
    return [
      metric({ name: '429 answers', unit: '', measured: bot.tooManyRequests, target: atMost(0) }),
      metric({ name: 'sustained rate', unit: '/s', measured: settled.done && elapsedMs !== null ? perSecond(sent, elapsedMs) : null, target: atLeast(24) }),
      metric({ name: 'duration', unit: 's', measured: settled.done && elapsedMs !== null ? elapsedMs / SECOND : null }),
    ];
  },
};
