import { Module } from '@nestjs/common';
import { IdempotencyKeys } from './idempotency-keys';
import { IdempotencyPlugin } from './idempotency.plugin';

/** Idempotency keys for mutations over GraphQL (README, Limits). */
@Module({ providers: [IdempotencyKeys, IdempotencyPlugin] })
export class IdempotencyModule {}
