/** Loads the values of many keys at once; a key missing from the result gets the loader's `missing` value. */
export type BatchLoad<V> = (keys: string[]) => Promise<ReadonlyMap<string, V>>;

/** Rows of a batch load, grouped under the key each belongs to (Map.groupBy, which Node 20 lacks). */
export function groupedBy<T>(rows: Iterable<T>, keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(keyOf(row));
    if (group) group.push(row);
    else groups.set(keyOf(row), [row]);
  }
  return groups;
}

interface PendingBatch<V> {
  waiting: Map<string, { resolve: (value: V) => void; reject: (error: unknown) => void }[]>;
}

/**
 * Batches what a field resolver loads per row: every key asked for in one operation (its
 * GraphQL context) before the event loop moves on goes to `load` in one call, so a list of N
 * rows costs one query, not N. GraphQL resolves a list's rows in one go, so their loads meet in
 * one batch. Nothing is kept beyond the batch: a subscription's context outlives many events, and
 * each event must read the data as it is then.
 */
export class RequestLoader<V> {
  private readonly pending = new WeakMap<object, PendingBatch<V>>();

  constructor(
    private readonly load: BatchLoad<V>,
    private readonly missing: () => V,
  ) {}

  get(context: object, key: string): Promise<V> {
    let batch = this.pending.get(context);
    if (!batch) {
      const started: PendingBatch<V> = { waiting: new Map() };
      this.pending.set(context, started);
      // After the current resolvers' promise chains have settled, so their siblings join this batch.
      setImmediate(() => {
        this.pending.delete(context);
        void this.run(started);
      });
      batch = started;
    }
    return new Promise<V>((resolve, reject) => {
      const waiters = batch.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else batch.waiting.set(key, [{ resolve, reject }]);
    });
  }

  private async run(batch: PendingBatch<V>): Promise<void> {
    try {
      const values = await this.load([...batch.waiting.keys()]);
      for (const [key, waiters] of batch.waiting) {
        const value = values.get(key) ?? this.missing();
        for (const waiter of waiters) waiter.resolve(value);
      }
    } catch (error) {
      for (const waiters of batch.waiting.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}
