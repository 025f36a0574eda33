import { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { HeraldConfig } from '../config/herald-config';
import { assertOperationCost } from './complexity';

/** Refuses operations over HTTP whose estimated cost (see operationCostEstimator) exceeds GRAPHQL_MAX_COMPLEXITY. */
@Plugin()
export class ComplexityPlugin implements ApolloServerPlugin {
  constructor(
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly config: HeraldConfig,
  ) {}

  async requestDidStart(): Promise<GraphQLRequestListener<object>> {
    const { schema } = this.schemaHost;
    const max = this.config.GRAPHQL_MAX_COMPLEXITY;
    return {
      async didResolveOperation({ request, document }) {
        assertOperationCost({ schema, document, operationName: request.operationName, variables: request.variables }, max);
      },
    };
  }
}
