import { ErrorKind, HeraldError } from '../errors/herald-error';

export enum IdempotencyErrorReason {
  InvalidKey = 'INVALID_IDEMPOTENCY_KEY',
  KeyNotAccepted = 'IDEMPOTENCY_KEY_NOT_ACCEPTED',
  KeyReused = 'IDEMPOTENCY_KEY_REUSED',
  KeyInFlight = 'IDEMPOTENCY_KEY_IN_FLIGHT',
}

export class IdempotencyError extends HeraldError {
  static invalidKey(problem: string) {
    return new IdempotencyError(ErrorKind.BadUserInput, IdempotencyErrorReason.InvalidKey, `The idempotency key ${problem}`, {
      fields: [{ field: 'idempotencyKey', problems: [problem] }],
    });
  }

  /** One key covers the whole operation, so every root field must be one that takes a key. */
  static notAccepted(fields: readonly string[]) {
    return new IdempotencyError(ErrorKind.BadUserInput, IdempotencyErrorReason.KeyNotAccepted, `An idempotency key is not accepted by: ${fields.join(', ')}`, {
      fields: [{ field: 'idempotencyKey', problems: [`not accepted by ${fields.join(', ')}`] }],
    });
  }

  static keyReused() {
    return new IdempotencyError(ErrorKind.Conflict, IdempotencyErrorReason.KeyReused, 'This idempotency key was used for a different request; use a new key');
  }

  static keyInFlight() {
    return new IdempotencyError(ErrorKind.Conflict, IdempotencyErrorReason.KeyInFlight, 'A request with this idempotency key is still running; retry shortly');
  }
}
