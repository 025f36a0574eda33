/** The error categories clients see as `extensions.code`. */
export enum ErrorKind {
  BadUserInput = 'BAD_USER_INPUT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  TooManyRequests = 'TOO_MANY_REQUESTS',
}

/**
 * Base of every error a module raises on purpose. `kind` decides the GraphQL code,
 * `reason` is the module's own machine-readable code, `details` travel to the client.
 */
export class HeraldError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly reason: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Input that fails validation, before any service runs. */
export class InputError extends HeraldError {
  constructor(message: string, fields: FieldProblem[] = []) {
    super(ErrorKind.BadUserInput, 'INVALID_INPUT', message, fields.length ? { fields } : {});
  }
}

/** A concurrent change won the race for the same row. */
export class StaleVersionError extends HeraldError {
  constructor(entity: string, id: string, currentVersion?: number) {
    super(ErrorKind.Conflict, 'STALE_VERSION', `${entity} ${id} was changed by someone else; reload and try again`, {
      id,
      ...(currentVersion === undefined ? {} : { currentVersion }),
    });
  }
}
