import { loadConfig, ProcessRole } from '../config/herald-config';

const PROBE_TIMEOUT_MS = 4000;

/**
 * The container health check of every role (`node dist/src/core/health/health-probe.js`): asks
 * this container's Herald process for GET /health, on PORT where it serves the API, else on
 * HEALTH_PORT (workers and schedulers serve nothing else). Exits 0 when it answers 200.
 */
export async function probeHealth(env: Record<string, string | undefined> = process.env): Promise<{ healthy: boolean; detail: string }> {
  const config = loadConfig(env);
  const port = config.runs(ProcessRole.Api) ? config.PORT : config.HEALTH_PORT;
  if (port === undefined) return { healthy: false, detail: `a ${config.HERALD_ROLE} process serves /health only with HEALTH_PORT set` };
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return { healthy: response.ok, detail: `${response.status} ${await response.text()}` };
  } catch (error) {
    return { healthy: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

if (require.main === module) {
  probeHealth().then(
    ({ healthy, detail }) => {
      console.log(detail);
      process.exit(healthy ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
