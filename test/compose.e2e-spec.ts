import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { parseDuration } from '../src/core/config/duration';
import { HeraldConfig, ProcessRole } from '../src/core/config/herald-config';

const ROOT = join(__dirname, '..');

interface ComposeService {
  restart?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

/** docker/compose.yaml as Compose reads it, anchors and merge keys resolved (no Docker engine runs here). */
const compose = load(readFileSync(join(ROOT, 'docker', 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> };
const services = Object.entries(compose.services);
/** Herald's own containers: those given a process role. */
const herald = services.filter(([, service]) => service.environment?.HERALD_ROLE !== undefined);
/** Of those, the long-running processes (not the one-shot migration). */
const processes = herald.filter(([, service]) => service.restart !== 'no');

describe('docker/compose.yaml', () => {
  it('runs one service per process role, named after it, and a one-shot migration', () => {
    const roles = Object.values(ProcessRole).filter((role) => role !== ProcessRole.All);
    expect(processes.map(([name]) => name).sort()).toEqual([...roles].sort());
    for (const [name, service] of processes) expect(service.environment?.HERALD_ROLE).toBe(name);
    const oneShot = herald.filter(([, service]) => service.restart === 'no');
    expect(oneShot.map(([name, service]) => [name, service.command])).toEqual([['migrate', ['node', 'dist/src/cli.js', 'migrate']]]);
    for (const [, service] of processes) expect(service.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
  });

  it('gives every service a health check: the long-running ones probe their own process, the migration is judged by its exit code', () => {
    for (const [, service] of services) expect(service.healthcheck).toBeDefined();
    for (const [name, service] of services.filter(([, each]) => each.restart !== 'no')) {
      expect([name, service.healthcheck?.disable ?? false]).toEqual([name, false]);
      expect(service.healthcheck?.test?.length).toBeGreaterThan(0);
    }
    for (const [, service] of processes) expect(service.healthcheck?.test).toEqual(['CMD', 'node', 'dist/src/core/health/health-probe.js']);
    expect(existsSync(join(ROOT, 'src', 'core', 'health', 'health-probe.ts'))).toBe(true);
    expect(compose.services.migrate.healthcheck).toEqual({ disable: true });
  });

  it('lets a stopping process drain before the engine kills it', () => {
    const drainMs = new HeraldConfig().shutdownDrainMs;
    for (const [name, service] of processes) {
      expect([name, parseDuration(service.stop_grace_period ?? '10s') > drainMs]).toEqual([name, true]);
    }
  });
});
