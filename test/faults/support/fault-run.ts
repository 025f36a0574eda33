import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Deployment, DeploymentOptions, ProcessSpec } from '../../../bench/support/herald';
import { pollUntil } from '../../../bench/support/time';
import { createTestDatabase } from '../../support/databases';
import { FaultProxy } from './fault-proxy';

/**
 * A size of the fault suite: FAULT_<NAME> when set, else `fallback` times FAULT_SCALE (default 1),
 * rounded up. Every count a scenario plans comes from here, so a run can be made smaller or larger.
 */
export function faultSize(name: string, fallback: number): number {
  const own = process.env[`FAULT_${name}`];
  const scale = Number(process.env.FAULT_SCALE ?? 1);
  const value = own !== undefined && own !== '' ? Number(own) : Math.ceil(fallback * scale);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`FAULT_${name} (or FAULT_SCALE) must give a positive number, not ${own ?? process.env.FAULT_SCALE}`);
  return value;
}

/**
 * What every Herald process of the suite runs with, over the bench's defaults: production, as
 * deployed (jest's NODE_ENV=test must not reach it), and leases short enough that rows a dead
 * process held come back within the run (a lost batch after 5 s, an unfinished send after 10 s).
 */
const FAULT_SETTINGS: Record<string, string> = { NODE_ENV: 'production', NOTIFY_DISPATCH_LEASE: '5s', NOTIFY_SENDING_TIMEOUT: '10s' };

/**
 * One fault scenario's world: its own database (cloned from the migrated template, unless it
 * runs its own Postgres), a Redis (the harness's, or its own) under a key prefix of its own,
 * Herald child processes started and killed through it, and waits that stop as soon as a
 * process it still counts on dies. `close()` ends everything it opened.
 */
export class FaultRun {
  readonly keyPrefix: string;
  private readonly deployments = new Set<Deployment>();
  private readonly closers: (() => Promise<unknown>)[] = [];
  private proxies: { postgres?: FaultProxy; redis?: FaultProxy } = {};

  private constructor(
    readonly name: string,
    readonly databaseUrl: string,
    readonly redisUrl: string,
    readonly db: Pool,
    private readonly dropDatabase: () => Promise<void>,
  ) {
    this.keyPrefix = `fault-${name}-${randomBytes(3).toString('hex')}`;
  }

  /** `databaseUrl`: a migrated database the scenario owns (its own Postgres); `redisUrl`: its own Redis. */
  static async open(name: string, own: { databaseUrl?: string; redisUrl?: string } = {}): Promise<FaultRun> {
    const database = own.databaseUrl ? { url: own.databaseUrl, drop: async () => undefined } : await createTestDatabase();
    const db = new Pool({ connectionString: database.url, max: 4 });
    // A restarted Postgres ends idle connections; the pool replaces them, the error is no news.
    db.on('error', () => undefined);
    return new FaultRun(name, database.url, own.redisUrl ?? process.env.HERALD_TEST_REDIS_URL!, db, database.drop);
  }

  /**
   * From now on Herald's processes reach Postgres or Redis through these proxies, so their
   * connections can be cut or frozen; the run's own clients still connect directly.
   */
  routeThrough(proxies: { postgres?: FaultProxy; redis?: FaultProxy }): void {
    this.proxies = proxies;
  }

  /** Where a Herald process of this scenario points, with `env` over the bench's production defaults. */
  target(env: Record<string, string> = {}): Omit<DeploymentOptions, 'processes'> {
    return {
      databaseUrl: this.proxies.postgres?.url ?? this.databaseUrl,
      redisUrl: this.proxies.redis?.url ?? this.redisUrl,
      keyPrefix: this.keyPrefix,
      env: { ...FAULT_SETTINGS, ...env },
    };
  }

  /** Starts Herald processes (`node dist/src/main.js`) and waits until each is up. */
  async deploy(processes: ProcessSpec[], env: Record<string, string> = {}): Promise<Deployment> {
    const deployment = await Deployment.start({ ...this.target(env), processes });
    this.deployments.add(deployment);
    return deployment;
  }

  /** SIGKILLs every process of `deployment`, as a crash would end them, and waits until they are gone. */
  async kill(deployment: Deployment): Promise<void> {
    this.deployments.delete(deployment);
    await deployment.kill('SIGKILL');
  }

  /** Polls until `probe` holds; fails naming `what` after `timeoutMs`, or at once when a live Herald process has died. */
  async waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
    if (!(await this.settle(probe, timeoutMs, everyMs))) throw new Error(`${this.name}: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  }

  /** Polls until `probe` holds, as `waitFor`, but answers false after `timeoutMs` (so what arrived can still be counted). */
  settle(probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
    return pollUntil(probe, { timeoutMs, everyMs, guard: () => this.deployments.forEach((deployment) => deployment.assertRunning()) });
  }

  /** Closes `resource` with the run. */
  onClose(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    await Promise.all([...this.deployments].map((deployment) => deployment.stop()));
    this.deployments.clear();
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
    await this.db.end();
    await this.dropDatabase();
  }
}
