import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** One call the bot made, as the server received it. */
export interface BotApiCall {
  token: string;
  method: string;
  params: Record<string, unknown>;
  /** Arrival time (Date.now()). */
  at: number;
  /** What the server answered: the result, or the error reply. */
  reply?: BotApiReply;
}

/** A Bot API answer: `{ ok: true, result }` or an error as Telegram words it. */
export type BotApiReply = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: Record<string, unknown> };

/** What Telegram answers when a bot sends too fast. */
export const tooManyRequests = (retryAfterSeconds: number): BotApiReply => ({
  ok: false,
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfterSeconds}`,
  parameters: { retry_after: retryAfterSeconds },
});

export const blockedByUser: BotApiReply = { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' };
export const chatNotFound: BotApiReply = { ok: false, error_code: 400, description: 'Bad Request: chat not found' };

const BOT_ID = 7_000_000_001;

/** Telegram's sending limits, as the peer enforces them once told to (`enforceLimits`). */
export interface BotApiLimits {
  /** Messages accepted in any 1 s, to all chats together (Telegram: about 30). */
  perSecond: number;
  /** Least gap between two messages accepted for one chat (Telegram: about 1 s). */
  perChatMs: number;
}

export const TELEGRAM_LIMITS: BotApiLimits = { perSecond: 30, perChatMs: 1000 };

/**
 * A local server speaking enough of the Telegram Bot API for Herald's tests:
 * `POST /bot<token>/<method>` with JSON or form bodies, answered like Telegram (sendMessage
 * returns a Message, editMessageText the edited one, getUpdates queued updates). It records every
 * call and can be told to fail the next calls of a method, or to enforce Telegram's sending limits
 * (answering 429 to a sendMessage that breaks them). It also builds updates (commands, button
 * presses) as Telegram would send them.
 */
export class TelegramBotApi {
  readonly calls: BotApiCall[] = [];
  private server: Server | null = null;
  private readonly faults: { method: string; reply: BotApiReply }[] = [];
  private readonly updates: unknown[] = [];
  private nextMessageId = 100;
  private nextUpdateId = 1;
  /** Text of every message sent, by `<chatId>:<messageId>`, for edits. */
  private readonly messages = new Map<string, Record<string, unknown>>();
  private limits: BotApiLimits | null = null;
  /** Arrival time and chat of every sendMessage accepted while limits are enforced. */
  private readonly accepted: { chatId: string; at: number }[] = [];
  /** 429 answers sent, scripted or for breaking the enforced limits. */
  tooManyRequestsSent = 0;
  /** How late a sendMessage is answered after the message was taken (see `slowDown`). */
  private answerDelayMs = 0;

  constructor(
    readonly token: string,
    readonly username: string,
  ) {}

  /** Starts listening on a free local port; returns the API root for TELEGRAM_API_ROOT. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.apiRoot;
  }

  get apiRoot(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /**
   * From now on a message is taken (recorded, and counted as sent) at once but answered `ms`
   * later, as a slow API is: a client gone meanwhile has sent a message it never heard about.
   */
  slowDown(ms: number): void {
    this.answerDelayMs = ms;
  }

  /** Answers the next `times` calls of `method` with `reply` instead of succeeding. */
  failNext(method: string, reply: BotApiReply, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push({ method, reply });
  }

  /**
   * From now on a sendMessage arriving when `perSecond` messages were accepted in the second
   * before it, or less than `perChatMs` after one accepted for its chat, gets 429 with
   * retry_after 1, as Telegram answers a bot that floods. Refused calls do not count.
   */
  enforceLimits(limits: BotApiLimits = TELEGRAM_LIMITS): void {
    this.limits = limits;
  }

  /** Queues an update for the next getUpdates (polling mode). */
  queueUpdate(update: unknown): void {
    this.updates.push(update);
  }

  callsOf(method: string): BotApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.faults.length = 0;
    this.updates.length = 0;
    this.accepted.length = 0;
    this.tooManyRequestsSent = 0;
  }

  /** An update carrying a text message (e.g. "/start TOKEN") from a private chat. */
  messageUpdate(chatId: number, text: string, options: { languageCode?: string; chatType?: 'private' | 'group' } = {}): Record<string, unknown> {
    const command = /^\/\w+/.exec(text);
    return {
      update_id: this.nextUpdateId++,
      message: {
        message_id: this.nextMessageId++,
        from: { id: chatId, is_bot: false, first_name: 'Test', language_code: options.languageCode ?? 'en' },
        chat: options.chatType === 'group' ? { id: chatId, type: 'group', title: 'Group' } : { id: chatId, type: 'private', first_name: 'Test' },
        date: Math.floor(Date.now() / 1000),
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      },
    };
  }

  /** An update for a press of an inline button with `data` under message `messageId` in `chatId`. */
  buttonUpdate(chatId: number, messageId: number, data: string): Record<string, unknown> {
    const message = this.messages.get(`${chatId}:${messageId}`) ?? {
      message_id: messageId,
      chat: { id: chatId, type: 'private', first_name: 'Test' },
      date: Math.floor(Date.now() / 1000),
      text: 'message',
    };
    return {
      update_id: this.nextUpdateId++,
      callback_query: {
        id: `cb${this.nextUpdateId}`,
        from: { id: chatId, is_bot: false, first_name: 'Test', language_code: 'en' },
        message,
        chat_instance: `ci${chatId}`,
        data,
      },
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = Date.now();
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(request.url ?? '');
    const body = await readBody(request);
    if (!match || request.method !== 'POST') return send(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    const params = parseParams(request.headers['content-type'] ?? '', body);
    const call: BotApiCall = { token, method, params, at };
    this.calls.push(call);
    if (token !== this.token) return send(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const faultIndex = this.faults.findIndex((fault) => fault.method === method);
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0].reply : method === 'sendMessage' && this.floods(params, at) ? tooManyRequests(1) : null;
    if (fault) {
      call.reply = fault;
      if (!fault.ok && fault.error_code === 429) this.tooManyRequestsSent++;
      return send(response, fault.ok ? 200 : fault.error_code, fault);
    }
    const result = await this.answer(method, params);
    if (result === undefined) return send(response, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    call.reply = { ok: true, result };
    if (method === 'sendMessage' && this.answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.answerDelayMs));
    send(response, 200, call.reply);
  }

  /** Whether a message arriving at `at` breaks the enforced limits; one that does not is counted as accepted. */
  private floods(params: Record<string, unknown>, at: number): boolean {
    if (!this.limits) return false;
    const { perSecond, perChatMs } = this.limits;
    const chatId = String(params.chat_id);
    const inLastSecond = this.accepted.filter((message) => message.at > at - 1000 && message.at <= at).length;
    // Both directions: two requests may be answered in another order than they arrived.
    const tooSoonInChat = this.accepted.some((message) => message.chatId === chatId && Math.abs(at - message.at) < perChatMs);
    if (inLastSecond >= perSecond || tooSoonInChat) return true;
    this.accepted.push({ chatId, at });
    return false;
  }

  private async answer(method: string, params: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return { id: BOT_ID, is_bot: true, first_name: 'Herald', username: this.username, can_join_groups: false };
      case 'sendMessage': {
        const chatId = Number(params.chat_id);
        const message = {
          message_id: this.nextMessageId++,
          from: { id: BOT_ID, is_bot: true, first_name: 'Herald', username: this.username },
          chat: { id: chatId, type: 'private', first_name: 'Test' },
          date: Math.floor(Date.now() / 1000),
          text: textOf(params),
          ...(params.reply_markup ? { reply_markup: parseJson(params.reply_markup) } : {}),
        };
        this.messages.set(`${chatId}:${message.message_id}`, message);
        return message;
      }
      case 'editMessageText': {
        const key = `${Number(params.chat_id)}:${Number(params.message_id)}`;
        const previous = this.messages.get(key);
        if (!previous) return { message_id: Number(params.message_id), chat: { id: Number(params.chat_id), type: 'private' }, date: 0, text: textOf(params) };
        const { reply_markup: _dropped, ...rest } = previous;
        const edited = { ...rest, text: textOf(params), edit_date: Math.floor(Date.now() / 1000), ...(params.reply_markup ? { reply_markup: parseJson(params.reply_markup) } : {}) };
        this.messages.set(key, edited);
        return edited;
      }
      case 'answerCallbackQuery':
      case 'setWebhook':
      case 'deleteWebhook':
      case 'setMyCommands':
        return true;
      case 'getWebhookInfo':
        return { url: '', has_custom_certificate: false, pending_update_count: 0 };
      case 'getUpdates': {
        const offset = Number(params.offset ?? 0);
        const waitUntil = Date.now() + Math.min(Number(params.timeout ?? 0) * 1000, 300);
        while (this.updates.length === 0 && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 20));
        return this.updates.splice(0).filter((update) => (update as { update_id: number }).update_id >= offset);
      }
      default:
        return undefined;
    }
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** JSON bodies as they are; form bodies with JSON-looking values (reply_markup) kept as strings, as Telegram receives them. */
function parseParams(contentType: string, body: string): Record<string, unknown> {
  if (!body) return {};
  if (contentType.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  throw new Error(`TelegramBotApi: unsupported content type ${contentType}`);
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function textOf(params: Record<string, unknown>): string {
  const text = String(params.text ?? '');
  return params.parse_mode === 'HTML' ? plainText(text) : text;
}

/** What Telegram stores as a message's text for HTML parse mode: tags gone, entities decoded. */
export function plainText(html: string): string {
  return html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
