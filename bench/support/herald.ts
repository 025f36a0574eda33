import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, manageChild, ManagedProcess } from '../../scripts/support/local-services';
import { HeraldConfig, loadConfig } from '../../src/core/config/herald-config';
import { READY_MESSAGE } from '../../src/core/process/ready-message';
import { BENCH_JWT_SECRET } from './tokens';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const MAIN = join(REPO_ROOT, 'dist', 'src', 'main.js');
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');
/** What the build reads: when any of it is newer than dist, dist is stale. */
const BUILD_INPUTS = ['src', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'mikro-orm.config.ts'];
const START_TIMEOUT_MS = 90_000;

export type HeraldRole = 'api' | 'worker' | 'scheduler' | 'all';

export interface ProcessSpec {
  role: HeraldRole;
  /** Settings for this process only, over the deployment's. */
  env?: Record<string, string>;
}

export interface DeploymentOptions {
  databaseUrl: string;
  redisUrl: string;
  keyPrefix: string;
  /** Herald settings for every process, over the bench's defaults and the caller's environment. */
  env?: Record<string, string>;
  processes: ProcessSpec[];
}

/** Builds Herald (`npm run build`) unless dist is newer than everything the build reads. */
export function ensureBuilt(log: (line: string) => void): void {
  const builtAt = existsSync(MAIN) ? statSync(MAIN).mtimeMs : 0;
  const newest = Math.max(...BUILD_INPUTS.map((input) => newestMtime(join(REPO_ROOT, input))));
  if (builtAt > newest) {
    log('dist/ is up to date with src/');
    return;
  }
  log('Building Herald (npm run build)…');
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.status ?? build.signal})`);
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/**
 * Herald's settings for a bench process: production, quiet logs, the bench's secret and
 * services. Herald settings in the caller's environment (e.g. NOTIFY_WORKER_CONCURRENCY=20) pass
 * through, except those naming where things are, which the bench owns.
 */
function heraldEnv(options: Pick<DeploymentOptions, 'databaseUrl' | 'redisUrl' | 'keyPrefix' | 'env'>): Record<string, string> {
  const owned = new Set(['DATABASE_URL', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'HERALD_ROLE', 'PORT', 'HOST', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE']);
  const passed = Object.entries(process.env).filter(([key, value]) => HERALD_SETTINGS.has(key) && !owned.has(key) && value !== undefined);
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    TELEGRAM_UPDATES: 'none',
    ...(Object.fromEntries(passed) as Record<string, string>),
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.keyPrefix,
    AUTH_JWT_SECRET: BENCH_JWT_SECRET,
    HOST: '127.0.0.1',
  };
}

const HERALD_SETTINGS = new Set(Object.keys(new HeraldConfig()));

/** With BENCH_CPU_PROF=<dir>, every Herald process writes a V8 CPU profile there when it stops. */
function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
}

/** The caller's environment without Herald settings, so a child sees only the ones given to it. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !HERALD_SETTINGS.has(key)));
}

interface RunningProcess {
  name: string;
  role: HeraldRole;
  port: number;
  /** A worker or scheduler said it is up (see READY_MESSAGE). */
  started: boolean;
  child: ChildProcess;
  managed: ManagedProcess;
}

/** Herald as a deployment runs it: `node dist/src/main.js` child processes, one per role asked for. */
export class Deployment {
  private stopped = false;

  private constructor(
    readonly config: HeraldConfig,
    private readonly processes: RunningProcess[],
  ) {}

  static async start(options: DeploymentOptions): Promise<Deployment> {
    const env = heraldEnv(options);
    const config = loadConfig(env);
    const counts = new Map<HeraldRole, number>();
    const processes: RunningProcess[] = [];
    for (const spec of options.processes) {
      const index = (counts.get(spec.role) ?? 0) + 1;
      counts.set(spec.role, index);
      const name = `herald-${spec.role}${index > 1 ? `-${index}` : ''}`;
      const port = await freePort();
      const childEnv = { ...baseEnv(), ...env, ...spec.env, HERALD_ROLE: spec.role, PORT: String(port) };
      loadConfig(childEnv);
      const child = spawn(process.execPath, [...profileArgs(name), MAIN], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      const running: RunningProcess = { name, role: spec.role, port, started: false, child, managed: undefined as unknown as ManagedProcess };
      child.on('message', (message) => {
        if (message === READY_MESSAGE) running.started = true;
      });
      const verbose = process.env.BENCH_VERBOSE === '1';
      running.managed = manageChild(name, child, { log: verbose ? (line) => console.log(`[${name}] ${line}`) : undefined });
      processes.push(running);
    }
    const deployment = new Deployment(config, processes);
    try {
      await Promise.all(processes.map((running) => deployment.waitReady(running)));
    } catch (error) {
      await deployment.stop();
      throw error;
    }
    return deployment;
  }

  /** The GraphQL URL of the first process serving the API. */
  get graphqlUrl(): string {
    const api = this.processes.find((running) => running.role === 'api' || running.role === 'all');
    if (!api) throw new Error('this deployment has no API process');
    return `http://127.0.0.1:${api.port}/graphql`;
  }

  /** Throws, with its last output, when a process of the deployment has ended. */
  assertRunning(): void {
    if (this.stopped) return;
    for (const running of this.processes) {
      if (running.managed.exitInfo !== undefined) {
        throw new Error(`${running.name} ${running.managed.exitInfo}. Its output:\n${running.managed.outputText()}`);
      }
    }
  }

  /** Stops one process (`herald-worker`, `herald-worker-2`, …) as an orchestrator would (SIGTERM, SIGKILL after 30 s) and says how it ended, e.g. "exited with code 0". */
  async stopProcess(name: string): Promise<string> {
    const index = this.processes.findIndex((running) => running.name === name);
    if (index < 0) throw new Error(`this deployment has no process ${name}`);
    const [running] = this.processes.splice(index, 1);
    await running.managed.stop();
    return running.managed.exitInfo!;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.processes.map((running) => running.managed.stop()));
  }

  /** Ends every process at once with `signal` (SIGKILL: a crash, no shutdown hooks) and waits until they are gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.stopped = true;
    for (const running of this.processes) running.child.kill(signal);
    await Promise.all(this.processes.map((running) => running.managed.stop()));
  }

  /** An API process is ready when /health answers 200; the others say so over IPC once started. */
  private async waitReady(running: RunningProcess): Promise<void> {
    if (running.role === 'api' || running.role === 'all') {
      const health = `http://127.0.0.1:${running.port}/health`;
      await running.managed.waitUntil(() => fetch(health).then((response) => response.ok, () => false), START_TIMEOUT_MS);
      return;
    }
    await running.managed.waitUntil(async () => running.started, START_TIMEOUT_MS);
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli.js <args>` with a deployment's settings. */
export function runCli(args: string[], options: Pick<DeploymentOptions, 'databaseUrl' | 'redisUrl' | 'keyPrefix' | 'env'>, timeoutMs: number): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...baseEnv(), ...heraldEnv(options) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
