/**
 * Real local Postgres and Redis servers for `npm run dev` and the test harness.
 *
 * Each server is a child process of the caller, listening on 127.0.0.1 only, in its own
 * process group so a terminal Ctrl-C reaches the caller first and the caller decides the
 * shutdown order (app first, then servers). Stopping is explicit (`stop()`), but a server is
 * never left behind: it is signalled when this process exits, and a tiny watchdog shell
 * signals it if this process dies without running its exit handlers (SIGKILL, default
 * SIGINT/SIGTERM handling, a force-exited Jest worker).
 *
 * Postgres refuses to run as root. As root, `initdb` and `postgres` run as the `postgres` OS
 * user (spawned with its uid/gid rather than through `runuser`, which ignores SIGINT and so
 * would turn our fast shutdown into a smart one).
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';

export interface LocalPostgres {
  port: number;
  url(database: string): string;
  stop(): Promise<void>;
}

export interface LocalRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export interface LocalRedisCluster {
  /** `127.0.0.1:<port>` of each master, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  /** Stops one master (one of `nodes`), as a crashed node would leave the cluster. */
  stopNode(node: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
  /** Trade durability for speed (fsync, synchronous_commit and full_page_writes off), and allow prepared transactions. For tests. */
  fast?: boolean;
}

export interface StartRedisOptions {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}

export interface StartRedisClusterOptions {
  /** Holds every node's cluster config file (`nodes-<port>.conf`). */
  dataDir: string;
  /** Masters, without replicas; a cluster needs at least 3. */
  masters?: number;
  log?: (line: string) => void;
}

const PG_SUPERUSER = 'herald';
const PG_START_TIMEOUT_MS = 60_000;
const REDIS_START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 30_000;
/** sun_path is 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

// ---------------------------------------------------------------------------------------------
// Public helpers

/** The directory holding `initdb` and `postgres`: HERALD_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function findPostgresBinDir(): string {
  const fromEnv = process.env.HERALD_PG_BIN;
  if (fromEnv) {
    if (!isExecutable(join(fromEnv, 'initdb')) || !isExecutable(join(fromEnv, 'postgres'))) {
      throw new Error(`HERALD_PG_BIN=${fromEnv} does not contain the executables initdb and postgres.`);
    }
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+(\.\d+)?$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (isExecutable(join(bin, 'initdb')) && isExecutable(join(bin, 'postgres'))) return bin;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) were not found under /usr/lib/postgresql/<version>/bin. ' +
      'Install them with: apt-get install -y postgresql ' +
      '(or point HERALD_PG_BIN at a directory that holds initdb and postgres).',
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('Could not read the port of a probe socket'));
        return;
      }
      server.close((error) => (error ? reject(error) : resolvePort(address.port)));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Postgres

export async function startPostgres(opts: StartPostgresOptions): Promise<LocalPostgres> {
  const bin = findPostgresBinDir();
  const dataDir = resolve(opts.dataDir);
  const owner = process.getuid?.() === 0 ? postgresOsUser() : undefined;

  if (owner) ensureTraversable(dirname(dataDir), owner);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await initCluster(bin, dataDir, owner, opts);
  } else if (owner) {
    chownTree(dataDir, owner);
  }
  clearStalePid(dataDir);

  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launchPostgres(bin, dataDir, port, owner, opts);
    } catch (error) {
      // Someone grabbed the free port between our probe and postgres binding it: try another.
      if (attempt < attempts && error instanceof StartError && error.portInUse) continue;
      throw error;
    }
  }
}

async function initCluster(
  bin: string,
  dataDir: string,
  owner: OsUser | undefined,
  opts: StartPostgresOptions,
): Promise<void> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(
      `${dataDir} is not empty but holds no Postgres cluster (no PG_VERSION). ` +
        'Remove it (rm -rf) to let a fresh cluster be created there.',
    );
  }
  // initdb into a sibling directory, then rename: a killed initdb never leaves a half-made
  // cluster at dataDir.
  const staging = `${dataDir}.initdb`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  if (owner) chownSync(staging, owner.uid, owner.gid);

  const args = ['-D', staging, '-U', PG_SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'];
  if (opts.fast) args.push('--no-sync');
  const output = new OutputBuffer(opts.log);
  const code = await new Promise<number | string>((done) => {
    const child = spawn(join(bin, 'initdb'), args, {
      cwd: staging,
      env: serverEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    output.attach(child);
    child.once('error', (error) => done(error.message));
    child.once('exit', (exitCode, signal) => done(exitCode ?? signal ?? 'unknown'));
  });
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`initdb failed (${code}) for ${dataDir}.\n${output.text()}`);
  }
  if (existsSync(dataDir)) rmdirSync(dataDir);
  renameSync(staging, dataDir);
}

async function launchPostgres(
  bin: string,
  dataDir: string,
  port: number,
  owner: OsUser | undefined,
  opts: StartPostgresOptions,
): Promise<LocalPostgres> {
  // The socket lives in the data dir unless its path would not fit in sun_path.
  const wantedSocket = join(dataDir, `.s.PGSQL.${port}`);
  const tempSocketDir = Buffer.byteLength(wantedSocket) > MAX_SOCKET_PATH ? mkdtempSync('/tmp/herald-pg-') : undefined;
  if (tempSocketDir) {
    chmodSync(tempSocketDir, 0o700);
    if (owner) chownSync(tempSocketDir, owner.uid, owner.gid);
  }
  const socketDir = tempSocketDir ?? dataDir;

  const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', socketDir];
  // Prepared transactions let tests hold a transaction open without a session.
  if (opts.fast) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_prepared_transactions=8');

  const output = new OutputBuffer(opts.log);
  const child = spawn(join(bin, 'postgres'), args, {
    cwd: dataDir,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  const cleanup = () => {
    if (tempSocketDir) rmSync(tempSocketDir, { recursive: true, force: true });
  };
  const server = new ManagedChild('postgres', child, output, 'SIGINT', cleanup);

  try {
    await server.waitUntil(() => postgresAccepts(bin, port, dataDir), PG_START_TIMEOUT_MS);
  } catch (error) {
    await server.stop();
    throw error;
  }

  return {
    port,
    url: (database: string) => `postgresql://${PG_SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () => server.stop(),
  };
}

/** Minimal shape of the `pg` package (a dependency of @mikro-orm/postgresql via knex). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
interface PgModule {
  Client: new (config: {
    host: string;
    port: number;
    user: string;
    database: string;
    connectionTimeoutMillis: number;
  }) => PgClient;
}

let pgModule: PgModule | null | undefined;
function loadPg(): PgModule | null {
  if (pgModule === undefined) {
    try {
      pgModule = createRequire(__filename)('pg') as PgModule;
    } catch {
      pgModule = null;
    }
  }
  return pgModule;
}

/**
 * True once the server on `port` answers queries and is ours: another Postgres that already
 * held the port would answer too while ours is failing to bind it.
 */
async function postgresAccepts(bin: string, port: number, dataDir: string): Promise<boolean> {
  const pg = loadPg();
  if (!pg) return pgIsReady(bin, port);
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: PG_SUPERUSER,
    database: 'postgres',
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = (await client.query("select current_setting('data_directory') as dir")) as {
      rows: { dir: string }[];
    };
    return result.rows[0]?.dir === dataDir;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function pgIsReady(bin: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    execFile(
      join(bin, 'pg_isready'),
      ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', PG_SUPERUSER, '-d', 'postgres', '-t', '2'],
      (error) => done(!error),
    );
  });
}

/** Removes a postmaster.pid left by a killed run; refuses to start beside a live server. */
function clearStalePid(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && isPostgresProcess(pid)) {
    throw new Error(
      `A Postgres server (pid ${pid}) is already running on ${dataDir}. ` +
        `Stop it (kill -INT ${pid}) or use another data directory.`,
    );
  }
  rmSync(pidFile, { force: true });
}

function isPostgresProcess(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0')[0]?.includes('postgres') ?? false;
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

export async function startRedis(opts: StartRedisOptions): Promise<LocalRedis> {
  const { port, server } = await launchRedis(opts);
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => server.stop() };
}

/**
 * A Redis Cluster of `masters` local servers (3 by default), each owning a share of the slots,
 * returned once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(opts: StartRedisClusterOptions): Promise<LocalRedisCluster> {
  const cli = findOnPath('redis-cli');
  if (!cli) throw new Error('redis-cli was not found on PATH. Install it with: apt-get install -y redis-server');
  const launched: { port: number; server: ManagedChild }[] = [];
  const stop = async () => {
    await Promise.all(launched.map(({ server }) => server.stop()));
  };
  try {
    for (let index = 0; index < (opts.masters ?? 3); index++) {
      launched.push(await launchRedis(opts, (port) => ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`]));
    }
    const nodes = launched.map(({ port }) => `127.0.0.1:${port}`);
    await runRedisCli(cli, ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const { port, server } of launched) {
      await server.waitUntil(async () => (await runRedisCli(cli, ['-p', String(port), 'cluster', 'info']).catch(() => '')).includes('cluster_state:ok'), REDIS_START_TIMEOUT_MS);
    }
    const stopNode = async (node: string) => {
      const launch = launched.find(({ port }) => node === `127.0.0.1:${port}`);
      if (!launch) throw new Error(`${node} is not a node of this cluster (${nodes.join(', ')})`);
      await launch.server.stop();
    };
    return { nodes, stopNode, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A redis-server on a free port (another one if the port was taken meanwhile), with `extraArgs(port)` added. */
async function launchRedis(opts: StartRedisOptions, extraArgs: (port: number) => string[] = () => []): Promise<{ port: number; server: ManagedChild }> {
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new Error('redis-server was not found on PATH. Install it with: apt-get install -y redis-server');
  }
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });

  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir, ...extraArgs(port)];
    const output = new OutputBuffer(opts.log);
    const child = spawn(binary, args, { cwd: dataDir, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const server = new ManagedChild('redis-server', child, output, 'SIGTERM');
    try {
      await server.waitUntil(() => redisAnswers(port, child.pid), REDIS_START_TIMEOUT_MS);
    } catch (error) {
      await server.stop();
      if (attempt < attempts && error instanceof StartError && error.portInUse) continue;
      throw error;
    }
    return { port, server };
  }
}

/** What `redis-cli <args>` printed; fails with its output when it fails. */
function runRedisCli(cli: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(cli, args, { timeout: REDIS_START_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) fail(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else done(stdout);
    });
  });
}

/** True once the server on `port` answers PING and is ours (INFO reports our child's pid). */
function redisAnswers(port: number, pid: number | undefined): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\nINFO server\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      if (!reply.startsWith('+PONG\r\n')) return finish(false);
      const processId = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (processId) finish(Number(processId[1]) === pid);
      else if (/\r\n-/.test(reply)) finish(false);
    });
    socket.once('end', () => finish(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Child process management

/** A child process run like the servers: stopped on request, never left behind by this process. */
export interface ManagedProcess {
  readonly pid: number | undefined;
  /** Polls `ready` until it holds; fails with the process's output if it exits or times out. */
  waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<void>;
  /** How it ended (e.g. "exited with code 1"), or undefined while it runs. */
  readonly exitInfo: string | undefined;
  /** Its last lines of output, for error reports. */
  outputText(): string;
  stop(): Promise<void>;
}

/** Takes charge of a spawned child (e.g. a Herald process of the benchmarks), as the servers here are. */
export function manageChild(name: string, child: ChildProcess, options: { stopSignal?: NodeJS.Signals; log?: (line: string) => void } = {}): ManagedProcess {
  return new ManagedChild(name, child, new OutputBuffer(options.log), options.stopSignal ?? 'SIGTERM');
}

class StartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

/** Keeps the last lines a server printed, for error reports, and forwards each to `log`. */
class OutputBuffer {
  private readonly lines: string[] = [];
  private partial: Record<'out' | 'err', string> = { out: '', err: '' };

  constructor(private readonly log?: (line: string) => void) {}

  attach(child: ChildProcess): void {
    child.stdout?.on('data', (chunk: Buffer) => this.push('out', chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.push('err', chunk.toString('utf8')));
    child.stdout?.on('end', () => this.flush('out'));
    child.stderr?.on('end', () => this.flush('err'));
  }

  text(): string {
    this.flush('out');
    this.flush('err');
    return this.lines.length ? this.lines.map((line) => `  | ${line}`).join('\n') : '  (no output)';
  }

  private push(stream: 'out' | 'err', text: string): void {
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  private flush(stream: 'out' | 'err'): void {
    if (this.partial[stream]) this.add(this.partial[stream]);
    this.partial[stream] = '';
  }

  private add(line: string): void {
    const clean = line.replace(/\r$/, '');
    this.lines.push(clean);
    if (this.lines.length > 80) this.lines.shift();
    this.log?.(clean);
  }
}

const running = new Set<ManagedChild>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: signal and let the servers shut down on their own.
  process.on('exit', () => {
    for (const server of running) server.killNow();
  });
}

class ManagedChild implements ManagedProcess {
  private readonly exited: Promise<void>;
  exitInfo: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly watchdog: ChildProcess | undefined;

  constructor(
    private readonly name: string,
    private readonly child: ChildProcess,
    private readonly output: OutputBuffer,
    private readonly stopSignal: NodeJS.Signals,
    private readonly cleanup: () => void = () => undefined,
  ) {
    output.attach(child);
    this.exited = new Promise<void>((done) => {
      child.once('error', (error) => {
        this.exitInfo ??= `could not be started: ${error.message}`;
        running.delete(this);
        done();
      });
      child.once('exit', (code, signal) => {
        this.exitInfo ??= signal ? `was killed by ${signal}` : `exited with code ${code}`;
        running.delete(this);
        done();
      });
    });
    void this.exited.then(() => {
      this.watchdog?.kill('SIGTERM');
      this.cleanup();
    });
    if (child.pid !== undefined) {
      running.add(this);
      installExitHook();
      this.watchdog = startWatchdog(child.pid, stopSignal);
    }
  }

  /** Polls `ready` until it holds; fails with the server's output if it exits or times out. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      if (exited) throw this.failure(`${this.name} ${this.exitInfo} before accepting connections`);
      if (await ready()) {
        if (exited) continue;
        return;
      }
      if (Date.now() > deadline) {
        throw this.failure(`${this.name} did not accept connections within ${timeoutMs / 1000}s`);
      }
      await sleep(100);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill(this.stopSignal);
        if (!(await within(this.exited, STOP_TIMEOUT_MS))) {
          this.child.kill('SIGKILL');
          await this.exited;
        }
      }
      await this.exited;
    })();
    return this.stopping;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  outputText(): string {
    return this.output.text();
  }

  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(this.stopSignal);
    this.watchdog?.kill('SIGTERM');
  }

  private failure(message: string): StartError {
    const text = this.output.text();
    const portInUse = /address already in use|could not create any TCP\/IP sockets/i.test(text);
    return new StartError(`${message}. Its output:\n${text}`, portInUse);
  }
}

/**
 * A detached shell that signals the server once this process is gone, covering deaths that
 * skip 'exit' handlers (SIGKILL, an unhandled SIGTERM). It ends by itself with the server.
 */
function startWatchdog(serverPid: number, signal: NodeJS.Signals): ChildProcess | undefined {
  const script = [
    'parent=$1; server=$2; sig=$3',
    'while kill -0 "$parent" 2>/dev/null; do',
    '  kill -0 "$server" 2>/dev/null || exit 0',
    '  sleep 1',
    'done',
    'kill -s "$sig" "$server" 2>/dev/null',
    'exit 0',
  ].join('\n');
  try {
    const watchdog = spawn(
      '/bin/sh',
      ['-c', script, 'herald-watchdog', String(process.pid), String(serverPid), signal.replace(/^SIG/, '')],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.on('error', () => undefined);
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Small utilities

interface OsUser {
  uid: number;
  gid: number;
}

function postgresOsUser(): OsUser {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!line || uid === undefined || gid === undefined) {
    throw new Error(
      'Postgres cannot run as root and there is no `postgres` OS user to run it as. ' +
        'Install the server package, which creates it: apt-get install -y postgresql',
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** The postgres user must be able to reach the data dir through every parent directory. */
function ensureTraversable(dir: string, user: OsUser): void {
  const tmp = resolve(tmpdir());
  mkdirSync(dir, { recursive: true });
  for (let current = dir; ; current = dirname(current)) {
    const stat = statSync(current);
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      if (current.startsWith(tmp + sep) && stat.uid === process.getuid?.()) {
        // Our own temporary directory (mkdtemp makes them 0700): let others pass through it.
        chmodSync(current, stat.mode | 0o001);
      } else {
        throw new Error(
          `Postgres runs as the postgres OS user, which cannot enter ${current} (mode ${(stat.mode & 0o777).toString(8)}). ` +
            `Allow it with \`chmod o+x ${current}\` or choose a data directory elsewhere.`,
        );
      }
    }
    if (dirname(current) === current) return;
  }
}

function chownTree(path: string, user: OsUser): void {
  const stat = lstatSync(path);
  if (stat.uid === user.uid && stat.gid === user.gid) return;
  chownSync(path, user.uid, user.gid);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
}

function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  // Libpq variables meant for clients must not steer the server or initdb.
  for (const key of Object.keys(env)) if (key.startsWith('PG')) delete env[key];
  return env;
}

function findOnPath(command: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
