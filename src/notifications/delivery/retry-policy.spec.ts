import { maxAttempts, retryDelay } from './retry-policy';

describe(retryDelay.name, () => {
  const delays = [60_000, 120_000, 240_000];

  it('waits the n-th delay after the n-th failed attempt', () => {
    expect([1, 2, 3].map((attempt) => retryDelay(attempt, delays))).toEqual(delays);
  });

  it('stops once the retries are used up', () => {
    expect(retryDelay(4, delays)).toBeNull();
    expect(maxAttempts(delays)).toBe(4);
    expect(retryDelay(1, [])).toBeNull();
  });

  it("waits exactly what the channel asked for, shorter or longer, within the same retry budget", () => {
    expect(retryDelay(1, delays, 3_000)).toBe(3_000);
    expect(retryDelay(2, delays, 90_000)).toBe(90_000);
    expect(retryDelay(3, delays, 0)).toBe(0);
    expect(retryDelay(4, delays, 3_000)).toBeNull();
  });
});
