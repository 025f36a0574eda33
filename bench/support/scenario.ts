import Redis from 'ioredis';
import { Pool } from 'pg';
import { SmtpPeer } from '../../test/support/smtp-peer';
import { Deployment, DeploymentOptions, ProcessSpec } from './herald';
import { Metric, ScenarioReport } from './report';
import { BenchServices } from './services';
import { Settings } from './settings';
import { DeliverySink } from './sink';
import { pollUntil } from './time';

/** One benchmark: sets up what it needs through the run, measures, and returns its metrics. */
export interface Scenario {
  name: string;
  /** One line: what it measures. */
  description: string;
  inProcess?: false;
  run(run: ScenarioRun): Promise<Metric[]>;
}

/** A benchmark of code run inside the bench process: no Postgres, Redis or Herald build needed. */
export interface InProcessScenario {
  name: string;
  description: string;
  inProcess: true;
  run(run: ScenarioRecord): Promise<Metric[]>;
}

export type AnyScenario = Scenario | InProcessScenario;

/** What every scenario writes into: its settings, notes and raw numbers, turned into its report. */
export class ScenarioRecord {
  readonly settings: Settings;
  readonly notes: string[] = [];
  readonly details: Record<string, unknown> = {};

  constructor(readonly scenario: AnyScenario) {
    this.settings = new Settings(scenario.name);
  }

  log(line: string): void {
    console.log(`  [${this.scenario.name}] ${line}`);
  }

  report(metrics: Metric[], startedAt: Date, error?: string): ScenarioReport {
    return {
      scenario: this.scenario.name,
      description: this.scenario.description,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      settings: this.settings.used,
      metrics,
      notes: this.notes,
      details: this.details,
      ...(error ? { error } : {}),
    };
  }

  /** Closes what the scenario opened; an in-process one opens nothing. */
  async close(): Promise<void> {}
}

/**
 * What a scenario works with: a fresh database and an emptied Redis of the run's services, a
 * connection pool, its settings, Herald deployments it starts, and a place for notes and raw
 * numbers. Everything it opened is closed by `close()`, whatever happened.
 */
export class ScenarioRun extends ScenarioRecord {
  readonly keyPrefix: string;
  private readonly deployments: Deployment[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  private constructor(
    scenario: Scenario,
    private readonly services: BenchServices,
    readonly databaseName: string,
    readonly databaseUrl: string,
    readonly db: Pool,
  ) {
    super(scenario);
    this.keyPrefix = `bench-${scenario.name}`;
  }

  static async open(services: BenchServices, scenario: Scenario): Promise<ScenarioRun> {
    const databaseName = `bench_${scenario.name.replace(/-/g, '_')}`;
    const databaseUrl = await services.freshDatabase(databaseName);
    await services.flushRedis();
    const db = new Pool({ connectionString: databaseUrl, max: 4 });
    return new ScenarioRun(scenario, services, databaseName, databaseUrl, db);
  }

  get redisUrl(): string {
    return this.services.redisUrl;
  }

  /** Starts Herald processes on this scenario's database and Redis, stopped at close. */
  async deploy(processes: ProcessSpec[], env: Record<string, string> = {}): Promise<Deployment> {
    const started = Date.now();
    const deployment = await Deployment.start({ ...this.heraldTarget(env), processes });
    this.deployments.push(deployment);
    this.log(`Herald up (${processes.map((spec) => spec.role).join(' + ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return deployment;
  }

  /** Where a Herald process or CLI call of this scenario points. */
  heraldTarget(env: Record<string, string> = {}): Omit<DeploymentOptions, 'processes'> {
    return { databaseUrl: this.databaseUrl, redisUrl: this.redisUrl, keyPrefix: this.keyPrefix, env };
  }

  async stopDeployments(): Promise<void> {
    await Promise.all(this.deployments.splice(0).map((deployment) => deployment.stop()));
  }

  /** The in-app live topic, counting every delivery. */
  async sink(): Promise<DeliverySink> {
    const sink = await DeliverySink.open(this.redisUrl, this.keyPrefix);
    this.closers.push(() => sink.close());
    return sink;
  }

  /** A plain Redis client on the scenario's Redis. */
  redis(): Redis {
    const redis = new Redis(this.redisUrl);
    this.closers.push(() => redis.quit());
    return redis;
  }

  /**
   * A local SMTP server that accepts and counts every message (and keeps each with `keepMessages`,
   * answering `answerDelayMs` late as a relay would); returns it with the setting that points Herald at it.
   */
  async emailPeer(options: { keepMessages?: boolean; answerDelayMs?: number } = {}): Promise<{ peer: SmtpPeer; env: Record<string, string> }> {
    const peer = await SmtpPeer.start({ keepMessages: false, ...options });
    this.closers.push(() => peer.stop());
    return { peer, env: { SMTP_URL: peer.url } };
  }

  /** Closes `resource` with the scenario. */
  onClose(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  /**
   * Polls until `probe` holds: false when `timeoutMs` passes first. Stops with an error when a
   * Herald process of the scenario dies meanwhile.
   */
  waitFor(probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
    return pollUntil(probe, { timeoutMs, everyMs, guard: () => this.deployments.forEach((deployment) => deployment.assertRunning()) });
  }

  override async close(): Promise<void> {
    await this.stopDeployments();
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
    await this.db.end();
    await this.services.dropDatabase(this.databaseName);
  }
}
