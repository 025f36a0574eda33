import { GraphQLError, GraphQLFormattedError } from 'graphql';

const KNOWN_CODES = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

const VARIABLE_COERCION = /^Variable "\$\w+" (got invalid value|has invalid value|of required type|of non-null type)/;

/** An inline value a scalar refused with BAD_USER_INPUT, which Apollo relabels GRAPHQL_VALIDATION_FAILED. */
const refusedByScalar = (error: unknown) =>
  error instanceof GraphQLError && error.originalError instanceof GraphQLError && error.originalError.extensions.code === 'BAD_USER_INPUT';

/** Unexpected errors reach clients as a bare INTERNAL_SERVER_ERROR; their details stay in the logs. */
export function formatError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  // Variables that do not coerce to their declared type are the caller's mistake, whatever code they arrive with.
  const code = VARIABLE_COERCION.test(formatted.message) || refusedByScalar(error) ? 'BAD_USER_INPUT' : formatted.extensions?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code } };
  }
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
