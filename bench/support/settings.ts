/**
 * A scenario's sizes and timeouts, from the environment. `BENCH_SCALE` (default 1) multiplies
 * every scalable default, for quick smoke runs; `BENCH_<SCENARIO>_<NAME>` (e.g.
 * `BENCH_DELIVERY_N=5000`) sets one value outright. What a run used goes into its report.
 */
export class Settings {
  readonly used: Record<string, number> = {};
  private readonly prefix: string;

  constructor(
    scenario: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.prefix = `BENCH_${scenario.toUpperCase().replace(/-/g, '_')}_`;
  }

  static scale(env: NodeJS.ProcessEnv = process.env): number {
    const scale = Number(env.BENCH_SCALE ?? 1);
    if (!Number.isFinite(scale) || scale <= 0) throw new Error(`BENCH_SCALE must be a positive number, got "${env.BENCH_SCALE}"`);
    return scale;
  }

  /** A size that BENCH_SCALE scales (rounded, at least `min`). */
  scaled(name: string, fullSize: number, min = 1): number {
    return this.read(name, Math.max(min, Math.round(fullSize * Settings.scale(this.env))));
  }

  /** A value BENCH_SCALE leaves alone (concurrency, timeouts). */
  fixed(name: string, value: number): number {
    return this.read(name, value);
  }

  private read(name: string, fallback: number): number {
    const key = this.prefix + name;
    const raw = this.env[key];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${key} must be a positive number, got "${raw}"`);
    this.used[key] = value;
    return value;
  }
}
