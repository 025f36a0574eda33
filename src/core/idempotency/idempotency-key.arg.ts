import { Args } from '@nestjs/graphql';

export const IDEMPOTENCY_KEY_ARG = 'idempotencyKey';

/**
 * `idempotencyKey: String` on a mutation, the argument form of the Idempotency-Key header. The
 * resolver ignores its value: IdempotencyPlugin acts on it before the operation runs.
 */
export const IdempotencyKeyArg = () =>
  Args(IDEMPOTENCY_KEY_ARG, {
    type: () => String,
    nullable: true,
    description: 'Repeating the same request with the same key within 24 h returns the first answer instead of acting twice (or send an Idempotency-Key header)',
  });
