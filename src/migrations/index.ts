import { MigrationObject } from '@mikro-orm/core';
import { Migration20261121100000 } from './Migration20261121100000_initial';

/** Migrations in the order they apply; a new migration file must be added here. */
export const MIGRATIONS: MigrationObject[] = [{ name: 'Migration20261121100000_initial', class: Migration20261121100000 }];
