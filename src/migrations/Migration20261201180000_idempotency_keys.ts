import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys of the booking mutations: one row per caller and key, holding the request's
 * fingerprint and, once it finished, its answer (`json`, not `jsonb`: a replay keeps the field order).
 * A row without an answer is in flight; `claim` names the request that owns it until `locked_until`.
 * Raw SQL only (src/core/idempotency), no entity.
 */
export class Migration20261201180000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "idempotency_keys" ("caller_id" text not null, "key" text not null, "fingerprint" text not null, "claim" uuid not null, "answer" json null, "created_at" timestamptz not null, "locked_until" timestamptz null, "expires_at" timestamptz not null, constraint "idempotency_keys_pkey" primary key ("caller_id", "key"));`,
    );
    this.addSql(`create index "idempotency_keys_expires_at_index" on "idempotency_keys" ("expires_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
  }
}
