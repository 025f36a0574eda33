import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { GqlContextType } from '@nestjs/graphql';
import { DriverException, OptimisticLockError } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { DatabaseError } from 'pg';
import { ErrorKind, HeraldError } from './herald-error';

/** The one place where errors become GraphQL errors with a code. */
export function toGraphQLError(error: unknown): GraphQLError | undefined {
  if (error instanceof HeraldError) {
    return new GraphQLError(error.message, {
      originalError: error,
      extensions: { code: error.kind, reason: error.reason, ...error.details },
    });
  }
  if (error instanceof OptimisticLockError) {
    return new GraphQLError('The record was changed by someone else; reload and try again', {
      extensions: { code: ErrorKind.Conflict, reason: 'STALE_VERSION' },
    });
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    const code =
      status === 401 ? ErrorKind.Unauthenticated : status === 403 ? ErrorKind.Forbidden : status === 404 ? ErrorKind.NotFound : ErrorKind.BadUserInput;
    return new GraphQLError(error.message, { extensions: { code } });
  }
  return undefined;
}

/** An error of the body parser (http-errors) the client caused: a body too large, JSON that does not parse. */
interface BodyParserError extends Error {
  status: number;
  expose: true;
}

const isBodyParserError = (error: unknown): error is BodyParserError =>
  error instanceof Error && typeof (error as Partial<BodyParserError>).status === 'number' && (error as BodyParserError).status < 500 && (error as BodyParserError).expose === true;

const HTTP_STATUS: Record<ErrorKind, number> = {
  [ErrorKind.BadUserInput]: 400,
  [ErrorKind.Unauthenticated]: 401,
  [ErrorKind.Forbidden]: 403,
  [ErrorKind.NotFound]: 404,
  [ErrorKind.Conflict]: 409,
  [ErrorKind.TooManyRequests]: 429,
};

/** Outside GraphQL (HTTP routes, their bodies): the client's mistakes as the HTTP answer they call for. */
function toClientHttpError(error: unknown): HttpException | undefined {
  if (error instanceof HeraldError) {
    const status = HTTP_STATUS[error.kind];
    return new HttpException({ statusCode: status, message: error.message, code: error.kind, reason: error.reason, ...error.details }, status);
  }
  if (isBodyParserError(error)) return new HttpException(error.message, error.status);
  return undefined;
}

/**
 * What the log keeps of an unexpected error. A database error's message holds its SQL, and with
 * `em.execute` the parameters inlined, the caller's own text: only its SQLSTATE, the objects it
 * names and the stack frames are kept.
 */
export function loggableError(error: unknown): string {
  if (error instanceof DriverException || error instanceof DatabaseError) {
    const { code, table, constraint, routine } = error as Partial<DatabaseError>;
    const names = Object.entries({ table, constraint, routine }).filter(([, value]) => value);
    const frames = (error.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
    return [`${error.name} SQLSTATE ${code ?? 'unknown'}${names.map(([key, value]) => ` ${key}=${value}`).join('')}`, ...frames].join('\n');
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** One line for a warning: a database error by its SQLSTATE and names (never its SQL or values), anything else by its message. */
export function briefError(error: unknown): string {
  if (error instanceof DriverException || error instanceof DatabaseError) return loggableError(error).split('\n')[0];
  return error instanceof Error ? error.message : String(error);
}

@Catch()
export class GraphQLErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('GraphQL');
  private readonly httpLogger = new Logger('HTTP');

  override catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType<GqlContextType>() !== 'graphql') {
      const clientError = toClientHttpError(exception);
      if (!clientError) return super.catch(exception, host);
      // The client's mistake: a warning, never with the request's body, and no error of ours.
      this.httpLogger.warn(`${clientError.getStatus()}: ${clientError.message}`);
      return super.catch(clientError, host);
    }
    const mapped = toGraphQLError(exception);
    if (mapped) return mapped;
    this.logger.error(loggableError(exception));
    return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
}
