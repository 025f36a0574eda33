import type { NestExpressApplication } from '@nestjs/platform-express';
import { HeraldConfig } from '../config/herald-config';
import { useCors } from './cors';
import { useJsonBodyLimit } from './request-body';

/** What every Herald HTTP app gets before it listens: main.ts and the tests call this alike. */
export function prepareHttpApp(app: NestExpressApplication, config: HeraldConfig): void {
  useJsonBodyLimit(app);
  useCors(app, config);
}
