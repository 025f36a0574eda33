/**
 * Paces sends the way Telegram asks: at most `maxPerWindow` messages in any `windowMs` to all
 * chats together, and one message per chat every `perChatIntervalMs`. Callers wait, nothing is
 * dropped.
 *
 * A slot is held from the moment a send starts until its gap has passed after it finished
 * (global: `windowMs`; per chat: `perChatIntervalMs`). Counting from the finish makes the limits
 * hold as Telegram measures them, at arrival, whatever the network latency: any two arrivals in
 * one chat are at least the interval apart, and any maxPerWindow + 1 arrivals span at least a window.
 *
 * The limiter lives in one process: with several worker processes, each keeps the global limit
 * on its own, so set TELEGRAM_MAX_PER_SECOND to Telegram's limit divided by the worker count.
 * (The per-chat gap can be crossed only when two processes send to one chat at the same moment.)
 */
export class SendRateLimiter {
  private available: number;
  private readonly waiting: (() => void)[] = [];
  private readonly chats = new Map<string, (() => void)[]>();

  constructor(
    private readonly maxPerWindow: number,
    private readonly perChatIntervalMs: number,
    private readonly windowMs = 1000,
  ) {
    this.available = maxPerWindow;
  }

  /** Runs `send` once both the chat and the global limit allow it. */
  async run<T>(chatId: string, send: () => Promise<T>): Promise<T> {
    await this.acquireChat(chatId);
    try {
      await this.acquireGlobal();
      try {
        return await send();
      } finally {
        this.later(this.windowMs, () => this.releaseGlobal());
      }
    } finally {
      this.later(this.perChatIntervalMs, () => this.releaseChat(chatId));
    }
  }

  /** Sends waiting for a slot (for tests and health views). */
  get queued(): number {
    let count = this.waiting.length;
    for (const queue of this.chats.values()) count += queue.length;
    return count;
  }

  private acquireGlobal(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseGlobal(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available = Math.min(this.available + 1, this.maxPerWindow);
  }

  /** A chat is busy while it has a queue (possibly empty); waiters line up in it. */
  private acquireChat(chatId: string): Promise<void> {
    const queue = this.chats.get(chatId);
    if (!queue) {
      this.chats.set(chatId, []);
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  private releaseChat(chatId: string): void {
    const queue = this.chats.get(chatId);
    const next = queue?.shift();
    if (next) next();
    else this.chats.delete(chatId);
  }

  private later(ms: number, release: () => void): void {
    if (ms <= 0) return release();
    // Unref'd: a pending release never keeps a stopping process alive.
    setTimeout(release, ms).unref();
  }
}
