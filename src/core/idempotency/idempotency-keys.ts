import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { FormattedExecutionResult } from 'graphql';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock } from '../clock/clock';
import { rawQuery } from '../database/raw-query';
import { IdempotencyError } from './idempotency.error';

/** How long a key keeps its answer. */
export const KEY_KEPT_MS = 24 * 3_600_000;
/** A request owns its key this long; past it, a crashed process no longer holds the key. */
const LEASE_MS = 5 * 60_000;
/** How long a second request waits for the first to finish before it is told CONFLICT. */
const WAIT_MS = 10_000;
const POLL_MS = 50;
/** Expired rows removed, at most, each time a key is claimed. */
const CLEANUP_BATCH = 100;

/** The right to run a request once under a key, until it is finished or released. */
export interface Claim {
  callerId: string;
  key: string;
  claim: string;
}

export type Admission = { run: Claim } | { replay: FormattedExecutionResult };

/** The idempotency_keys table: claims, stored answers, lazy cleanup. */
@Injectable()
export class IdempotencyKeys {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Run (the key is new, expired, or its owner's lease ran out) or replay (the same request
   * finished). A different request under the key, or one still running past the wait, is a CONFLICT.
   */
  async admit(callerId: string, key: string, fingerprint: string): Promise<Admission> {
    const waitUntil = Date.now() + WAIT_MS;
    for (;;) {
      const claim = await this.claim(callerId, key, fingerprint);
      if (claim) return { run: claim };
      const [row] = await rawQuery<{ fingerprint: string; answer: FormattedExecutionResult | null }>(
        this.em,
        `select "fingerprint", "answer" from "idempotency_keys" where "caller_id" = ? and "key" = ?`,
        [callerId, key],
      );
      if (!row) continue; // released by a failed first request between the two statements: claim it
      if (row.fingerprint !== fingerprint) throw IdempotencyError.keyReused();
      if (row.answer) return { replay: row.answer };
      if (Date.now() >= waitUntil) throw IdempotencyError.keyInFlight();
      await sleep(POLL_MS);
    }
  }

  /** Keeps the answer for replays. A claim whose lease was taken over changes nothing. */
  async finish({ callerId, key, claim }: Claim, answer: FormattedExecutionResult): Promise<void> {
    await rawQuery(this.em, `update "idempotency_keys" set "answer" = ?::json, "locked_until" = null where "caller_id" = ? and "key" = ? and "claim" = ?`, [
      JSON.stringify(answer),
      callerId,
      key,
      claim,
    ]);
  }

  /** Frees the key, so a retry runs the request again. */
  async release({ callerId, key, claim }: Claim): Promise<void> {
    await rawQuery(this.em, `delete from "idempotency_keys" where "caller_id" = ? and "key" = ? and "claim" = ? and "answer" is null`, [callerId, key, claim]);
  }

  private async claim(callerId: string, key: string, fingerprint: string): Promise<Claim | null> {
    const now = this.clock.now();
    const claim = randomUUID();
    // One statement decides between concurrent requests: the insert, or the update of a row that is free again.
    const rows = await rawQuery<{ claim: string }>(
      this.em,
      `insert into "idempotency_keys" ("caller_id", "key", "fingerprint", "claim", "answer", "created_at", "locked_until", "expires_at")
       values (?, ?, ?, ?, null, ?, ?, ?)
       on conflict ("caller_id", "key") do update set
         "fingerprint" = excluded."fingerprint", "claim" = excluded."claim", "answer" = null, "created_at" = excluded."created_at",
         "locked_until" = excluded."locked_until", "expires_at" = excluded."expires_at"
       where "idempotency_keys"."expires_at" <= excluded."created_at"
          or ("idempotency_keys"."answer" is null and "idempotency_keys"."locked_until" <= excluded."created_at")
       returning "claim"`,
      [callerId, key, fingerprint, claim, now, new Date(now.getTime() + LEASE_MS), new Date(now.getTime() + KEY_KEPT_MS)],
    );
    if (!rows.length) return null;
    await this.removeExpired(now);
    return { callerId, key, claim };
  }

  private async removeExpired(now: Date): Promise<void> {
    await rawQuery(
      this.em,
      `delete from "idempotency_keys" where ctid in (select ctid from "idempotency_keys" where "expires_at" <= ? limit ${CLEANUP_BATCH} for update skip locked)`,
      [now],
    );
  }
}
