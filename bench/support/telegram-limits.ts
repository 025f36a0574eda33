import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { TelegramBotApi, tooManyRequests } from '../../test/support/telegram-bot-api';

export interface TelegramLimits {
  /** Messages per second to all chats together (Telegram: about 30). */
  perSecond: number;
  /** Minimum gap between two messages to one chat (Telegram: about 1 s). */
  perChatIntervalMs: number;
  /** How much sooner than perChatIntervalMs a message may arrive: the network's jitter, not a burst allowance. */
  jitterMs: number;
}

export const TELEGRAM_LIMITS: TelegramLimits = { perSecond: 30, perChatIntervalMs: 1000, jitterMs: 50 };

/**
 * Telegram's flood limits in front of the tests' Bot API server: a `sendMessage` beyond
 * `perSecond` in any one-second window, or sooner than `perChatIntervalMs` (less network
 * jitter) after the last one to its chat, is answered 429 with `retry_after`, as Telegram does,
 * and counted; everything else is passed to the Bot API server behind it.
 */
export class RateLimitedBotApi {
  /** Arrival times of the sends let through. */
  readonly accepted: number[] = [];
  tooManyRequests = 0;
  private readonly lastByChat = new Map<string, number>();
  private server: Server | null = null;
  private innerRoot = '';

  constructor(
    readonly api: TelegramBotApi,
    private readonly limits: TelegramLimits = TELEGRAM_LIMITS,
  ) {}

  /** Starts both servers; returns the API root for TELEGRAM_API_ROOT. */
  async start(): Promise<string> {
    this.innerRoot = await this.api.start();
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = null;
    }
    await this.api.stop();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const contentType = request.headers['content-type'] ?? '';
    if (/\/sendMessage$/.test(request.url ?? '')) {
      const retryAfterMs = this.admit(chatOf(contentType, body), Date.now());
      if (retryAfterMs > 0) {
        this.tooManyRequests += 1;
        response.writeHead(429, { 'content-type': 'application/json' });
        response.end(JSON.stringify(tooManyRequests(Math.ceil(retryAfterMs / 1000))));
        return;
      }
    }
    const answer = await fetch(this.innerRoot + (request.url ?? '/'), { method: request.method, headers: { 'content-type': contentType }, body: body || undefined });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    response.end(await answer.text());
  }

  /** 0 when the send may go now (and records it), else how long it must wait. */
  private admit(chat: string, now: number): number {
    const last = this.lastByChat.get(chat);
    if (last !== undefined && now - last < this.limits.perChatIntervalMs - this.limits.jitterMs) return this.limits.perChatIntervalMs - (now - last);
    const windowStart = now - 1000;
    let inWindow = 0;
    for (let i = this.accepted.length - 1; i >= 0 && this.accepted[i] > windowStart; i--) inWindow++;
    if (inWindow >= this.limits.perSecond) return this.accepted[this.accepted.length - inWindow] - windowStart;
    this.accepted.push(now);
    this.lastByChat.set(chat, now);
    return 0;
  }
}

function chatOf(contentType: string, body: string): string {
  if (contentType.includes('application/json')) return String((JSON.parse(body) as { chat_id?: unknown }).chat_id);
  return new URLSearchParams(body).get('chat_id') ?? '';
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
