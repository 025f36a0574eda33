/**
 * Runs a pass whenever woken, one at a time: a wake-up during a pass makes one more right
 * after it, however many arrive. Each pass says how long to nap before the next one unless
 * woken sooner (0: at once). A pass that throws naps `retryMs`, reported to `onError`.
 */
export class WakeableLoop {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pass: () => Promise<number>,
    private readonly retryMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** No pass starts after this; the one running, if any, is awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async run(): Promise<void> {
    let napMs = this.retryMs;
    try {
      napMs = await this.pass();
    } catch (error) {
      this.onError(error);
    }
    if (this.stopped) return;
    if (napMs <= 0) this.again = true;
    else this.timer = setTimeout(() => this.wake(), napMs);
  }
}
