import { IntervalTicks } from './interval-ticks';

describe(IntervalTicks.name, () => {
  it('ticks at start, and stopping waits for the tick in progress', async () => {
    let finish!: () => void;
    let finished = false;
    const tick = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)).then(() => void (finished = true)));
    const ticks = new IntervalTicks(60_000, tick, () => undefined);
    ticks.start();
    expect(tick).toHaveBeenCalledTimes(1);
    const stopped = ticks.stop();
    finish();
    await stopped;
    expect(finished).toBe(true);
  });

  it('reports a failing tick instead of throwing', async () => {
    const onError = jest.fn();
    const ticks = new IntervalTicks(60_000, () => Promise.reject(new Error('database away')), onError);
    ticks.start();
    await ticks.stop();
    expect(onError).toHaveBeenCalledWith(new Error('database away'));
  });

  it('skips a tick due while the previous one still runs', async () => {
    jest.useFakeTimers();
    try {
      let finish!: () => void;
      const tick = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
      const ticks = new IntervalTicks(1_000, tick, () => undefined);
      ticks.start();
      jest.advanceTimersByTime(3_000);
      expect(tick).toHaveBeenCalledTimes(1);
      finish();
      const stopped = ticks.stop();
      await stopped;
    } finally {
      jest.useRealTimers();
    }
  });
});
