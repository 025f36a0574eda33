import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { GqlContextType } from '@nestjs/graphql';
import { OptimisticLockError } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
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

@Catch()
export class GraphQLErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('GraphQL');

  override catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType<GqlContextType>() !== 'graphql') {
      return super.catch(exception, host);
    }
    const mapped = toGraphQLError(exception);
    if (mapped) return mapped;
    this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
}
