import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/core/database/orm-options';
import { createTestDatabase } from './support/databases';

/**
 * Schema kept outside the entities on purpose, for raw-SQL hot paths: the event log's commit
 * order (tx_id, seq), the relay's position, and partial indexes.
 */
const RAW_SQL_ONLY = [
  /^drop table if exists "notification_relay_positions" cascade;$/,
  /^drop index "notifications_(queued_due|retry_due|sending_lease|provider_message_id)_index";$/,
  /^drop index "booking_events_tx_id_seq_index";$/,
  /^drop index "message_templates_scope_(version|active)_unique";$/,
  /^drop index "business_alerts_(open_dedup_key_unique|type_status_index)";$/,
  /^drop table if exists "(alert_scan_runs|analytics_runs|idempotency_keys)" cascade;$/,
  /^alter table "booking_events" drop column "seq", drop column "tx_id";$/,
];

describe('database schema', () => {
  it('is what the entities describe: after the migrations, the schema generator finds nothing to change', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init({ ...ormOptions(database.url), allowGlobalContext: true });
    try {
      // When this fails, the entities' decorators and the migrations disagree: fix whichever is wrong.
      const changes = (await orm.schema.getUpdateSchemaSQL({ wrap: false }))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !RAW_SQL_ONLY.some((pattern) => pattern.test(line)));
      expect(changes).toEqual([]);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });
});
