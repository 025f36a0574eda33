/** Where progress goes: process.stderr, or anything with `write` (and `isTTY` when it is a terminal). */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 20;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * `[#####.....] 45,000/100,000 bookings 12,345/s`. On a terminal the line is redrawn in place;
 * elsewhere (a log file, CI) a line is written at every tenth of the way, so logs stay short.
 */
export class ProgressBar {
  private readonly startedAt: number;
  private done = 0;
  private tenthsWritten = 0;
  private drawnLength = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly total: number,
    private readonly unit: string,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.startedAt = nowMs();
  }

  update(done: number): void {
    this.done = done;
    if (this.out.isTTY) {
      const line = this.render();
      this.out.write(`\r${line.padEnd(this.drawnLength)}`);
      this.drawnLength = line.length;
      return;
    }
    const tenths = this.total ? Math.floor((done / this.total) * 10) : 10;
    if (tenths > this.tenthsWritten) {
      this.tenthsWritten = tenths;
      this.out.write(`${this.render()}\n`);
    }
  }

  /** Draws the final state and leaves the cursor on a fresh line. */
  finish(): void {
    if (this.out.isTTY) {
      this.update(this.done);
      this.out.write('\n');
    } else if (this.tenthsWritten < 10) {
      this.out.write(`${this.render()}\n`);
      this.tenthsWritten = 10;
    }
  }

  /** Items per second since the bar was made. */
  rate(): number {
    const seconds = (this.nowMs() - this.startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  private render(): string {
    const fraction = this.total ? Math.min(this.done / this.total, 1) : 1;
    const filled = Math.floor(fraction * WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count(this.done)}/${count(this.total)} ${this.unit} ${count(this.rate())}/s`;
  }
}
