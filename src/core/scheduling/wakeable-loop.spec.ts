import { WakeableLoop } from './wakeable-loop';

/** A pass that waits until released, so wake-ups can arrive while it runs. */
function gatedPasses(napMs: number) {
  const releases: (() => void)[] = [];
  let passes = 0;
  const pass = () =>
    new Promise<number>((resolve) => {
      passes++;
      releases.push(() => resolve(napMs));
    });
  return { pass, passes: () => passes, release: () => releases.shift()?.() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(WakeableLoop.name, () => {
  it('runs one pass at a time and folds every wake-up during a pass into one more pass', async () => {
    const gated = gatedPasses(60_000);
    const loop = new WakeableLoop(gated.pass, 60_000, () => undefined);
    loop.start();
    expect(gated.passes()).toBe(1);
    loop.wake();
    loop.wake();
    loop.wake();
    expect(gated.passes()).toBe(1);
    gated.release();
    await settle();
    expect(gated.passes()).toBe(2);
    gated.release();
    await settle();
    expect(gated.passes()).toBe(2);
    const stopped = loop.stop();
    await stopped;
  });

  it('goes again at once when a pass asks for no nap, and reports a failing pass', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const loop = new WakeableLoop(
      async () => {
        calls++;
        if (calls === 2) throw new Error('database down');
        return calls < 3 ? 0 : 60_000;
      },
      60_000,
      (error) => errors.push(error),
    );
    loop.start();
    for (let i = 0; i < 5; i++) await settle();
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('database down')]);
    // After a failure it naps `retryMs`; a wake-up goes at once.
    loop.wake();
    for (let i = 0; i < 5; i++) await settle();
    expect(calls).toBe(3);
    await loop.stop();
    loop.wake();
    await settle();
    expect(calls).toBe(3);
  });
});
