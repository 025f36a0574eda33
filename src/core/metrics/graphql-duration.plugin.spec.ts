import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { Registry } from 'prom-client';
import { GraphQLDurationPlugin, OTHER_OPERATIONS, UNKNOWN_OPERATION } from './graphql-duration.plugin';

type Finished = GraphQLRequestContextWillSendResponse<object>;

describe(GraphQLDurationPlugin.name, () => {
  const registry = new Registry();
  const sut = new GraphQLDurationPlugin(registry);

  const request = async (operation: 'query' | 'mutation' | null, operationName: string | null) => {
    const listener = await sut.requestDidStart();
    await listener.willSendResponse!({ operation: operation ? { operation } : undefined, operationName } as unknown as Finished);
  };
  const labelValues = async (label: string) => {
    const metric = await registry.getSingleMetric('herald_graphql_request_duration_seconds')!.get();
    return new Set(metric.values.map((value) => value.labels[label]));
  };

  it('labels anonymous and unresolved operations as one, and caps distinct names', async () => {
    await request('query', null);
    await request(null, 'NeverResolved');
    for (let i = 0; i < 250; i++) await request('query', `Operation${i}`);
    const names = await labelValues('operation_name');
    expect(names.has(UNKNOWN_OPERATION)).toBe(true);
    expect(names.has('NeverResolved')).toBe(false);
    expect(names.has('Operation0')).toBe(true);
    expect(names.has('Operation249')).toBe(false);
    expect(names.has(OTHER_OPERATIONS)).toBe(true);
    // 200 names, plus "unknown" and "other".
    expect(names.size).toBe(202);
    expect(await labelValues('operation_type')).toEqual(new Set(['query', UNKNOWN_OPERATION]));
  });
});
