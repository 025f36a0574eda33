import { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation, GraphQLRequestListener, GraphQLResponse, HeaderMap } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { Logger } from '@nestjs/common';
import { FormattedExecutionResult, GraphQLError, GraphQLString, Kind, valueFromAST } from 'graphql';
import { createHash } from 'node:crypto';
import { RequestAuth, verifiedCaller } from '../../auth/auth.guard';
import { TokenService } from '../../auth/token.service';
import { toGraphQLError } from '../errors/graphql-error.filter';
import { ErrorKind } from '../errors/herald-error';
import { IDEMPOTENCY_KEY_ARG } from './idempotency-key.arg';
import { Admission, Claim, IdempotencyKeys } from './idempotency-keys';
import { IdempotencyError } from './idempotency.error';

const HEADER = 'idempotency-key';
const REPLAYED_HEADER = 'idempotent-replayed';
const KEY_FORMAT = /^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$/;
/** Answers that say nothing about the request itself; the key is released so that a retry runs it. */
const RETRYABLE_CODES = new Set(['INTERNAL_SERVER_ERROR', 'TOO_MANY_REQUESTS']);

type ResolvedRequest = GraphQLRequestContextDidResolveOperation<RequestAuth>;

/**
 * Idempotency keys for mutations whose every root field takes `idempotencyKey`, from that argument
 * or the Idempotency-Key header. The key covers the whole operation: the first request under it
 * runs, and its answer (the response body as sent) is replayed to later requests of the same
 * caller with the same operation and variables; a different request under the key is a CONFLICT.
 */
@Plugin()
export class IdempotencyPlugin implements ApolloServerPlugin<RequestAuth> {
  private readonly logger = new Logger(IdempotencyPlugin.name);

  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly tokens: TokenService,
  ) {}

  async requestDidStart(): Promise<GraphQLRequestListener<RequestAuth>> {
    let admission: Promise<Admission | null> = Promise.resolve(null);
    return {
      didResolveOperation: async (requestContext) => {
        admission = this.admit(requestContext);
        await admission.catch((error: unknown) => {
          throw refusal(error);
        });
      },
      responseForOperation: async () => {
        const admitted = await admission;
        return admitted && 'replay' in admitted ? replayed(admitted.replay) : null;
      },
      // Awaited before the response leaves: once the first caller has its answer, so has the key.
      willSendResponse: async ({ response }) => {
        const admitted = await admission.catch(() => null);
        if (admitted && 'run' in admitted) await this.settle(admitted.run, response);
      },
    };
  }

  private async admit(requestContext: ResolvedRequest): Promise<Admission | null> {
    const key = requestedKey(requestContext);
    if (key === undefined) return null;
    const caller = await verifiedCaller(this.tokens, requestContext.contextValue);
    // Without a valid token the auth guard refuses the operation before anything runs.
    if (!caller) return null;
    return this.keys.admit(caller.id, key, fingerprint(requestContext));
  }

  private async settle(claim: Claim, response: GraphQLResponse): Promise<void> {
    const answer = response.body.kind === 'single' ? response.body.singleResult : undefined;
    try {
      if (answer && !retryable(answer)) await this.keys.finish(claim, answer);
      else await this.keys.release(claim);
    } catch (error) {
      // The caller still gets the answer; the key stays claimed until its lease runs out.
      this.logger.error(`Could not settle idempotency key ${claim.key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The key of a mutation, from the header or the arguments; queries and subscriptions ignore the header. */
function requestedKey({ request, operation, schema }: ResolvedRequest): string | undefined {
  if (operation?.operation !== 'mutation') return undefined;
  const rootFields = schema.getMutationType()?.getFields() ?? {};
  const header = request.http?.headers.get(HEADER);
  const keys = new Set<unknown>(header === undefined ? [] : [header]);
  const refusing: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    const name = selection.kind === Kind.FIELD ? selection.name.value : '(fragment)';
    if (!rootFields[name]?.args.some((arg) => arg.name === IDEMPOTENCY_KEY_ARG)) {
      refusing.push(name);
      continue;
    }
    const argument = selection.kind === Kind.FIELD ? selection.arguments?.find((arg) => arg.name.value === IDEMPOTENCY_KEY_ARG) : undefined;
    const value = argument ? valueFromAST(argument.value, GraphQLString, request.variables) : undefined;
    if (value !== undefined && value !== null) keys.add(value);
  }
  if (!keys.size) return undefined;
  if (refusing.length) throw IdempotencyError.notAccepted(refusing);
  if (keys.size > 1) throw IdempotencyError.invalidKey('must be one value for the whole operation: the header and the arguments differ');
  const [key] = keys;
  if (typeof key !== 'string' || !KEY_FORMAT.test(key)) throw IdempotencyError.invalidKey('must be 1 to 255 printable ASCII characters, without spaces at either end');
  return key;
}

/** The request as the key must see it again: operation, its name and variables (object keys sorted). */
function fingerprint({ source, operationName, request }: ResolvedRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([operationName, source, request.variables ?? {}], (_key, value: unknown) => (isPlainObject(value) ? sortedKeys(value) : value)))
    .digest('hex');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const sortedKeys = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function retryable(answer: FormattedExecutionResult): boolean {
  const answered = Object.values(answer.data ?? {}).some((value) => value !== null);
  return !answered && !!answer.errors?.some((error) => RETRYABLE_CODES.has(String(error.extensions?.code)));
}

const replayed = (answer: FormattedExecutionResult): GraphQLResponse => ({
  body: { kind: 'single', singleResult: answer },
  http: { status: undefined, headers: new HeaderMap([[REPLAYED_HEADER, 'true']]) },
});

/** Refusals leave before execution, where Apollo takes the HTTP status from the error (else 500). */
function refusal(error: unknown): unknown {
  const mapped = error instanceof IdempotencyError ? toGraphQLError(error) : undefined;
  if (!mapped) return error;
  const status = mapped.extensions.code === ErrorKind.Conflict ? 409 : 400;
  return new GraphQLError(mapped.message, { extensions: { ...mapped.extensions, http: { status } } });
}
