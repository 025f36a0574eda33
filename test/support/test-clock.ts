import { Clock } from '../../src/core/clock/clock';

/** Real time shifted by an offset tests control; `travel` moves every reader of the clock at once. */
export class TestClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  travel(ms: number): void {
    this.offsetMs += ms;
  }

  travelTo(instant: Date): void {
    this.offsetMs = instant.getTime() - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
