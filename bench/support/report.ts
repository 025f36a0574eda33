import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** A speed goal: the value must be at least (`>=`) or at most (`<=`) `value`. */
export interface Bound {
  op: '>=' | '<=';
  value: number;
}

export const atLeast = (value: number): Bound => ({ op: '>=', value });
export const atMost = (value: number): Bound => ({ op: '<=', value });

/** `info` has no goal; `timed out` means the value could not be measured in the time allowed. */
export type Outcome = 'pass' | 'miss' | 'timed out' | 'info';

export interface Metric {
  name: string;
  /** How values print: "/s", "ms", "s", "B" or "" (a count). */
  unit: string;
  measured: number | null;
  baseline: number | null;
  /** measured / baseline. */
  ratio: number | null;
  target: Bound | null;
  /** A goal on the ratio, e.g. at least 1.5 (150 % of the baseline). */
  ratioTarget: Bound | null;
  outcome: Outcome;
  note?: string;
}

export interface MetricSpec {
  name: string;
  unit: string;
  /** null or undefined: not measured (timed out). */
  measured: number | null | undefined;
  baseline?: number | null;
  target?: Bound;
  ratioTarget?: Bound;
  note?: string;
}

const holds = (value: number, bound: Bound) => (bound.op === '>=' ? value >= bound.value : value <= bound.value);

export function metric(spec: MetricSpec): Metric {
  const measured = spec.measured ?? null;
  const baseline = spec.baseline ?? null;
  const ratio = measured !== null && baseline !== null && baseline !== 0 ? measured / baseline : null;
  const target = spec.target ?? null;
  const ratioTarget = spec.ratioTarget ?? null;
  let outcome: Outcome;
  if (measured === null || Number.isNaN(measured)) outcome = 'timed out';
  else if (!target && !ratioTarget) outcome = 'info';
  else {
    const ok = (!target || holds(measured, target)) && (!ratioTarget || (ratio !== null && holds(ratio, ratioTarget)));
    outcome = ok ? 'pass' : 'miss';
  }
  return { name: spec.name, unit: spec.unit, measured, baseline, ratio, target, ratioTarget, outcome, ...(spec.note ? { note: spec.note } : {}) };
}

/** What one scenario reports: its metrics, the sizes it ran with, and anything worth knowing. */
export interface ScenarioReport {
  scenario: string;
  description: string;
  startedAt: string;
  durationMs: number;
  settings: Record<string, number>;
  metrics: Metric[];
  notes: string[];
  /** Raw numbers behind the metrics (counts, timings, distributions). */
  details: Record<string, unknown>;
  /** Set when the scenario could not run to the end (a process died, a setup step failed). */
  error?: string;
}

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  node: string;
  platform: string;
  postgres: string;
  redis: string;
  gitCommit: string;
  /** Uncommitted changes in the checkout the run measured. */
  gitDirty: boolean;
  /** How the benchmark's Postgres trades durability for speed. */
  postgresSettings: string;
  benchScale: number;
}

export function machineInfo(versions: { postgres: string; redis: string; postgresSettings: string }, benchScale: number): MachineInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    ...versions,
    gitCommit: git('rev-parse', 'HEAD') || 'unknown',
    gitDirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    benchScale,
  };
}

// ---------------------------------------------------------------------------------------------
// Printing

const grouped = (value: number, digits: number) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function number(value: number): string {
  if (Number.isInteger(value)) return grouped(value, 0);
  const abs = Math.abs(value);
  return grouped(value, abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

export function formatValue(value: number | null, unit: string): string {
  if (value === null || Number.isNaN(value)) return '—';
  const text = number(value);
  if (unit === '') return text;
  return unit.startsWith('/') ? `${text}${unit}` : `${text} ${unit}`;
}

const formatBound = (bound: Bound, unit: string) => `${bound.op === '>=' ? '≥' : '≤'} ${formatValue(bound.value, unit)}`;

function formatTarget(m: Metric): string {
  const parts = [m.target ? formatBound(m.target, m.unit) : '', m.ratioTarget ? `${m.ratioTarget.op === '>=' ? '≥' : '≤'} ${Math.round(m.ratioTarget.value * 100)}% of baseline` : ''];
  return parts.filter(Boolean).join(', ') || '—';
}

const formatRatio = (ratio: number | null) => (ratio === null || !Number.isFinite(ratio) ? '—' : `${grouped(ratio * 100, 0)}%`);

/** One table for every scenario of the run: target, measured value, baseline, ratio, outcome. */
export function formatTable(reports: readonly ScenarioReport[]): string {
  const header = ['scenario', 'metric', 'target', 'measured', 'baseline', 'ratio', 'result'];
  const rows: string[][] = [];
  for (const report of reports) {
    if (report.error) rows.push([report.scenario, 'error', '—', '—', '—', '—', 'failed']);
    for (const m of report.metrics) {
      rows.push([report.scenario, m.name, formatTarget(m), formatValue(m.measured, m.unit), formatValue(m.baseline, m.unit), formatRatio(m.ratio), m.outcome]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column >= 2 && column <= 5 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Each scenario's notes, metric notes and errors, below the table. */
export function formatNotes(reports: readonly ScenarioReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    const notes = [...report.notes, ...report.metrics.filter((m) => m.note).map((m) => `${m.name}: ${m.note}`)];
    if (report.error) notes.unshift(`FAILED: ${report.error}`);
    if (notes.length) lines.push(`${report.scenario}:`, ...notes.map((note) => `  - ${note}`));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Results on disk

export interface RunResults {
  startedAt: string;
  machine: MachineInfo;
  scenarios: ScenarioReport[];
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the timestamped path. */
export function writeResults(dir: string, results: RunResults): string {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  return file;
}
