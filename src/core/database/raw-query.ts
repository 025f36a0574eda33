import { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/knex';

/**
 * Runs SQL with bind parameters on the context's connection (its transaction, if one is open).
 * For hot paths: `em.execute` inlines every parameter into the SQL text, escaping it in
 * JavaScript, which for a batch's JSON costs more than the statement itself.
 */
export async function rawQuery<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const knex = em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
  const result = await knex.raw<{ rows: T[] }>(sql, params as Knex.RawBinding[]);
  return result.rows;
}

/**
 * A Postgres array literal of `values`, to bind as one parameter cast to an array type
 * (`= any(?::uuid[])`). The planner then sees a list it can probe an index with, where a set
 * from `jsonb_array_elements_text` is re-read for every row of a nested loop.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`).join(',')}}`;
}
