import { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { Histogram, Registry } from 'prom-client';

/** Anonymous operations and requests that never resolved to an operation (parse or validation errors). */
export const UNKNOWN_OPERATION = 'unknown';
/** Names beyond this many distinct ones share one label, so clients cannot grow the series without bound. */
const MAX_OPERATION_NAMES = 200;
export const OTHER_OPERATIONS = 'other';

/** Times every GraphQL request over HTTP, by operation type and name. */
@Plugin()
export class GraphQLDurationPlugin implements ApolloServerPlugin {
  private readonly durations: Histogram<'operation_type' | 'operation_name'>;
  private readonly names = new Set<string>();

  constructor(registry: Registry) {
    this.durations = new Histogram({
      name: 'herald_graphql_request_duration_seconds',
      help: 'GraphQL requests over HTTP, from arrival to response, by operation type and name',
      labelNames: ['operation_type', 'operation_name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  async requestDidStart(): Promise<GraphQLRequestListener<object>> {
    const stop = this.durations.startTimer();
    return {
      willSendResponse: async ({ operation, operationName }) => {
        stop({ operation_type: operation?.operation ?? UNKNOWN_OPERATION, operation_name: this.nameLabel(operation ? operationName : null) });
      },
    };
  }

  private nameLabel(name: string | null | undefined): string {
    if (!name) return UNKNOWN_OPERATION;
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_OPERATION_NAMES) return OTHER_OPERATIONS;
    this.names.add(name);
    return name;
  }
}
