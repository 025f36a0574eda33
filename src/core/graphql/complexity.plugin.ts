import { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { HeraldConfig } from '../config/herald-config';

/** Refuses operations whose estimated cost (fields × list sizes) exceeds GRAPHQL_MAX_COMPLEXITY. */
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
        let complexity: number;
        try {
          complexity = getComplexity({
            schema,
            operationName: request.operationName,
            query: document,
            variables: request.variables,
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
          });
        } catch (error) {
          // Variables that do not coerce (or too many nodes) fail here first: the caller's mistake, a 400 like
          // the same mistake written inline, not the 500 Apollo gives an error thrown by a plugin.
          if (!(error instanceof GraphQLError)) throw error;
          throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } } });
        }
        if (complexity > max) {
          throw new GraphQLError(`Operation complexity ${complexity} exceeds the limit of ${max}`, {
            extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
          });
        }
      },
    };
  }
}
