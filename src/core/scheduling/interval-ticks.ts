/**
 * Runs `tick` every `everyMs`, and once at start (catching up after a restart). A tick due while
 * the previous one still runs is skipped; a failing tick is reported to `onError` and the next
 * one tries again; stopping waits for the tick in progress.
 */
export class IntervalTicks {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly everyMs: number,
    private readonly tick: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.everyMs);
    void this.run();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private run(): Promise<unknown> {
    this.running ??= this.tick()
      .catch((error: unknown) => this.onError(error))
      .finally(() => (this.running = null));
    return this.running;
  }
}
