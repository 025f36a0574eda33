import { HeraldConfig } from './src/core/config/herald-config';
import { ormOptions } from './src/core/database/orm-options';

// Read by the mikro-orm CLI (migration:create, migration:up); it needs only DATABASE_URL.
export default ormOptions(process.env.DATABASE_URL ?? new HeraldConfig().DATABASE_URL);
