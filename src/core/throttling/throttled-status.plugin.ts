import { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { ErrorKind } from '../errors/herald-error';

/**
 * A throttled operation answers HTTP 429. Nest's Apollo driver resets the status of every executed
 * operation to 200 in its own willSendResponse; plugins found on providers run after it.
 */
@Plugin()
export class ThrottledStatusPlugin implements ApolloServerPlugin {
  async requestDidStart(): Promise<GraphQLRequestListener<object>> {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((error) => error.extensions?.code === ErrorKind.TooManyRequests)) response.http.status = 429;
      },
    };
  }
}
