import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import type { GraphQLSchemaHost, GraphQLWsSubscriptionsConfig } from '@nestjs/graphql';
import { DocumentNode, execute, ExecutionArgs, GraphQLError, parse, specifiedRules, validate, visit } from 'graphql';
import { CloseCode, ServerOptions } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { AuthError } from '../../auth/auth.error';
import { RequestAuth } from '../../auth/auth.guard';
import { TokenService } from '../../auth/token.service';
import { HeraldConfig } from '../config/herald-config';
import { IDEMPOTENCY_KEY_ARG } from '../idempotency/idempotency-key.arg';
import { assertOperationCost } from './complexity';
import { formatError } from './format-error';
import { operationRules } from './operation-rules';

interface GraphqlWsDependencies {
  config: HeraldConfig;
  tokens: TokenService;
  /** Read at each subscribe: the schema is built after these options. */
  schemaHost: GraphQLSchemaHost;
  orm: MikroORM;
  /** How a connection_init payload names its token (the same function builds each operation's context). */
  auth: (source: { connectionParams?: Record<string, unknown> }) => RequestAuth;
}

/** The same code and origin Apollo gives the error over HTTP, so formatError treats both transports alike. */
const withCode = (error: GraphQLError, code: string) =>
  new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, originalError: error, extensions: { ...error.extensions, code } });

/** Whether any field of the document is given the argument `name`. */
function namesArgument(document: DocumentNode, name: string): boolean {
  let found = false;
  visit(document, {
    Argument(node) {
      if (node.name.value === name) found = true;
    },
  });
  return found;
}

/** graphql-ws's own hooks Nest's config type leaves out but passes on: queries' and mutations' execution, refused operations' errors. */
type WithExecute = GraphQLWsSubscriptionsConfig & Pick<ServerOptions, 'onError'> & { execute: (args: ExecutionArgs) => ReturnType<typeof execute> };

const formatted = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));

/**
 * graphql-ws on /graphql: a connection opens only with a valid token in its connection_init
 * payload, and every operation passes the limits HTTP operations pass (graphql's rules, depth,
 * introspection, complexity) before it runs. Queries and mutations run in their own MikroORM
 * request context, as over HTTP, and every result's errors are formatted as over HTTP: known
 * codes kept, anything else a bare INTERNAL_SERVER_ERROR.
 */
export function graphqlWsOptions({ config, tokens, schemaHost, orm, auth }: GraphqlWsDependencies): GraphQLWsSubscriptionsConfig {
  const rules = [...specifiedRules, ...operationRules(config)];
  return {
    path: '/graphql',
    onConnect: async ({ connectionParams, extra }) => {
      const refuse = (code: CloseCode, reason: string) => {
        (extra as { socket: WebSocket }).socket.close(code, reason);
        return false;
      };
      const { token } = auth({ connectionParams });
      // No token: retrying cannot help (graphql-ws clients give up on 4401). A bad one may be refreshed (4403 is retried).
      if (!token) return refuse(CloseCode.Unauthorized, `Unauthorized: ${AuthError.missingToken().message}`);
      try {
        await tokens.verify(token);
      } catch (error) {
        if (error instanceof AuthError) return refuse(CloseCode.Forbidden, `Forbidden: ${error.message}`);
        throw error;
      }
      return true;
    },
    onSubscribe: (_context, _id, { query, variables, operationName }) => {
      const { schema } = schemaHost;
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (error) {
        if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
        throw error;
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
      // Keys are kept and replayed by the HTTP plugin only: over the socket a keyed change would run unguarded.
      if (namesArgument(document, IDEMPOTENCY_KEY_ARG)) {
        return [new GraphQLError('Idempotency keys are honoured over HTTP only: send this mutation over HTTP', { extensions: { code: 'BAD_USER_INPUT', reason: 'IDEMPOTENCY_KEY_OVER_WEBSOCKET' } })];
      }
      try {
        assertOperationCost({ schema, document, operationName, variables }, config.GRAPHQL_MAX_COMPLEXITY);
      } catch (error) {
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
      return { schema, document, operationName, variableValues: variables };
    },
    execute: (args) => RequestContext.create(orm.em, () => execute(args)),
    onNext: (_context, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatted(result.errors) } : result),
    onError: (_context, _id, _payload, errors) => formatted(errors),
  } satisfies WithExecute as GraphQLWsSubscriptionsConfig;
}
