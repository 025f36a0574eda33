/**
 * Herald's benchmark suite: each scenario runs Herald as a deployment does (built, as child
 * processes) on the run's own Postgres and Redis, measures its bare baseline in the same run,
 * and checks its speed goal. Prints one table and writes bench/results/<time>.json and
 * bench/results/latest.json.
 *
 *   npm run bench                          every scenario, full size
 *   npm run bench -- delivery lateness     only these
 *   BENCH_SCALE=0.05 npm run bench         everything at 5 % of its size (a smoke run)
 *   npm run bench -- --list                the scenarios
 *
 * Sizes: BENCH_<SCENARIO>_<NAME> (e.g. BENCH_DELIVERY_N=5000); see the README.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { bulkPlanning } from './scenarios/bulk-planning';
import { campaign } from './scenarios/campaign';
import { createBooking } from './scenarios/create-booking';
import { delivery } from './scenarios/delivery';
import { flushall } from './scenarios/flushall';
import { lateness } from './scenarios/lateness';
import { redisMemory } from './scenarios/redis-memory';
import { render } from './scenarios/render';
import { scaleOut } from './scenarios/scale-out';
import { telegram } from './scenarios/telegram';
import { ensureBuilt, REPO_ROOT } from './support/herald';
import { formatNotes, formatTable, machineInfo, Metric, ScenarioReport, writeResults } from './support/report';
import { AnyScenario, ScenarioRecord, ScenarioRun } from './support/scenario';
import { BenchServices } from './support/services';
import { Settings } from './support/settings';

const SCENARIOS: readonly AnyScenario[] = [createBooking, delivery, scaleOut, bulkPlanning, campaign, lateness, redisMemory, flushall, telegram, render];

function chosen(args: readonly string[]): AnyScenario[] {
  if (args.length === 0) return [...SCENARIOS];
  const unknown = args.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return args.map((name) => SCENARIOS.find((scenario) => scenario.name === name)!);
}

/** `services` is null only when every chosen scenario runs in process. */
async function runScenario(services: BenchServices | null, scenario: AnyScenario): Promise<ScenarioReport> {
  const startedAt = new Date();
  console.log(`\n▶ ${scenario.name}: ${scenario.description}`);
  const report = scenario.inProcess
    ? await measure(new ScenarioRecord(scenario), startedAt, (run) => scenario.run(run))
    : await measure(await ScenarioRun.open(services!, scenario), startedAt, (run) => scenario.run(run));
  console.log(`\n${formatTable([report])}`);
  const notes = formatNotes([report]);
  if (notes) console.log(notes);
  return report;
}

/** Runs a scenario into its report, failed or not, and closes what it opened. */
async function measure<Run extends ScenarioRecord>(run: Run, startedAt: Date, scenario: (run: Run) => Promise<Metric[]>): Promise<ScenarioReport> {
  try {
    return run.report(await scenario(run), startedAt);
  } catch (error) {
    return run.report([], startedAt, error instanceof Error ? error.message : String(error));
  } finally {
    await run.close();
  }
}

/** What an in-process run says of the servers it did not start. */
const NOT_STARTED = { postgres: 'not started', redis: 'not started', postgresSettings: 'not started' };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const scenario of SCENARIOS) console.log(`${scenario.name.padEnd(16)} ${scenario.description}`);
    return;
  }
  const scenarios = chosen(args);
  const scale = Settings.scale();
  // Postgres, Redis and a built Herald only for scenarios that run Herald.
  const needsServices = scenarios.some((scenario) => !scenario.inProcess);
  if (needsServices) ensureBuilt((line) => console.log(line));
  const startedAt = new Date().toISOString();
  const services = needsServices ? await BenchServices.start() : null;
  const reports: ScenarioReport[] = [];
  try {
    const machine = machineInfo(services ? await services.versions() : NOT_STARTED, scale);
    console.log(`${machine.cpuModel} × ${machine.cpuCount}, Node ${machine.node}, Postgres ${machine.postgres}, Redis ${machine.redis}, commit ${machine.gitCommit.slice(0, 10)}${machine.gitDirty ? ' (dirty)' : ''}, BENCH_SCALE=${scale}`);
    for (const scenario of scenarios) reports.push(await runScenario(services, scenario));
    console.log(`\n${formatTable(reports)}`);
    const file = writeResults(join(REPO_ROOT, 'bench', 'results'), { startedAt, machine, scenarios: reports });
    console.log(`\nResults: ${file}`);
  } finally {
    await services?.stop();
  }
  if (reports.some((report) => report.error)) process.exitCode = 1;
}

// Ctrl-C: exit at once; exit hooks stop the Herald processes and the servers.
process.once('SIGINT', () => process.exit(130));

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
