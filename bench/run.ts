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
import { createBooking } from './scenarios/create-booking';
import { delivery } from './scenarios/delivery';
import { flushall } from './scenarios/flushall';
import { lateness } from './scenarios/lateness';
import { redisMemory } from './scenarios/redis-memory';
import { telegram } from './scenarios/telegram';
import { ensureBuilt, REPO_ROOT } from './support/herald';
import { formatNotes, formatTable, machineInfo, ScenarioReport, writeResults } from './support/report';
import { Scenario, ScenarioRun } from './support/scenario';
import { BenchServices } from './support/services';
import { Settings } from './support/settings';

const SCENARIOS: readonly Scenario[] = [createBooking, delivery, bulkPlanning, lateness, redisMemory, flushall, telegram];

function chosen(args: readonly string[]): Scenario[] {
  if (args.length === 0) return [...SCENARIOS];
  const unknown = args.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return args.map((name) => SCENARIOS.find((scenario) => scenario.name === name)!);
}

async function runScenario(services: BenchServices, scenario: Scenario): Promise<ScenarioReport> {
  const startedAt = new Date();
  console.log(`\n▶ ${scenario.name}: ${scenario.description}`);
  const run = await ScenarioRun.open(services, scenario);
  let report: ScenarioReport;
  try {
    report = run.report(await scenario.run(run), startedAt);
  } catch (error) {
    report = run.report([], startedAt, error instanceof Error ? error.message : String(error));
  } finally {
    await run.close();
  }
  console.log(`\n${formatTable([report])}`);
  const notes = formatNotes([report]);
  if (notes) console.log(notes);
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const scenario of SCENARIOS) console.log(`${scenario.name.padEnd(16)} ${scenario.description}`);
    return;
  }
  const scenarios = chosen(args);
  const scale = Settings.scale();
  ensureBuilt((line) => console.log(line));
  const startedAt = new Date().toISOString();
  const services = await BenchServices.start();
  const reports: ScenarioReport[] = [];
  try {
    const machine = machineInfo(await services.versions(), scale);
    console.log(`${machine.cpuModel} × ${machine.cpuCount}, Node ${machine.node}, Postgres ${machine.postgres}, Redis ${machine.redis}, commit ${machine.gitCommit.slice(0, 10)}${machine.gitDirty ? ' (dirty)' : ''}, BENCH_SCALE=${scale}`);
    for (const scenario of scenarios) reports.push(await runScenario(services, scenario));
    console.log(`\n${formatTable(reports)}`);
    const file = writeResults(join(REPO_ROOT, 'bench', 'results'), { startedAt, machine, scenarios: reports });
    console.log(`\nResults: ${file}`);
  } finally {
    await services.stop();
  }
  if (reports.some((report) => report.error)) process.exitCode = 1;
}

// Ctrl-C: exit at once; exit hooks stop the Herald processes and the servers.
process.once('SIGINT', () => process.exit(130));

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
