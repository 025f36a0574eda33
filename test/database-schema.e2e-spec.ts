import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/core/database/orm-options';
import { createTestDatabase } from './support/databases';

describe('database schema', () => {
  it('is what the entities describe: after the migrations, the schema generator finds nothing to change', async () => {
    const database = await createTestDatabase();
    const orm = await MikroORM.init({ ...ormOptions(database.url), allowGlobalContext: true });
    try {
      // When this fails, the entities' decorators and the migrations disagree: fix whichever is wrong.
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });
});
