import autocannon from 'autocannon';

export interface GraphqlLoad {
  /** The GraphQL endpoint. */
  url: string;
  connections: number;
  durationSeconds: number;
  /** The n-th request (n = 0, 1, …, across all connections): its operation, variables and bearer token. */
  request: (n: number) => { query: string; variables?: Record<string, unknown>; token: string };
  /** The field of `data` a successful answer carries (e.g. "createBooking"). */
  field: string;
}

export interface LoadResult {
  /** Responses received. */
  responses: number;
  /** Responses that carried `data.<field>` and no `errors`. */
  succeeded: number;
  /** Successful responses per second. */
  perSecond: number;
  /** Latency of 2xx responses, ms. */
  p50: number;
  p975: number;
  p99: number;
  max: number;
  non2xx: number;
  /** 2xx responses whose body held GraphQL errors or no data. */
  graphqlErrors: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** First few failure bodies, for the report. */
  sampleFailures: string[];
}

/** GraphQL over HTTP with autocannon: `connections` clients, each sending its next request as soon as the last answered. */
export async function runGraphqlLoad(load: GraphqlLoad): Promise<LoadResult> {
  let sent = 0;
  let succeeded = 0;
  let graphqlErrors = 0;
  const sampleFailures: string[] = [];
  const url = new URL(load.url);
  const result = await autocannon({
    url: url.origin,
    connections: load.connections,
    duration: load.durationSeconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        setupRequest: (request) => {
          const { query, variables, token } = load.request(sent++);
          return { ...request, body: JSON.stringify({ query, variables }), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } };
        },
        onResponse: (status, body) => {
          if (status < 200 || status >= 300) return;
          if (answered(body, load.field)) succeeded += 1;
          else {
            graphqlErrors += 1;
            if (sampleFailures.length < 3) sampleFailures.push(body.slice(0, 300));
          }
        },
      },
    ],
  });
  return {
    responses: result.requests.total,
    succeeded,
    perSecond: succeeded / result.duration,
    p50: result.latency.p50,
    p975: result.latency.p97_5,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    graphqlErrors,
    errors: result.errors,
    sampleFailures,
  };
}

function answered(body: string, field: string): boolean {
  try {
    const parsed = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: unknown[] };
    return !parsed.errors?.length && parsed.data?.[field] != null;
  } catch {
    return false;
  }
}
