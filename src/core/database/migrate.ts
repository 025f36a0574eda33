import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from './orm-options';

/** Applies every pending migration to the database at `clientUrl`; returns the names applied. */
export async function migrateDatabase(clientUrl: string): Promise<string[]> {
  const orm = await MikroORM.init({ ...ormOptions(clientUrl), allowGlobalContext: true });
  try {
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close(true);
  }
}
