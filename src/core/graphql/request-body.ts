import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * Largest JSON request body. Express's default of 100 kB would refuse an importBookings call of
 * 1,000 bookings before GraphQL sees it; 5 MB holds one with long notes and addresses.
 */
export const MAX_JSON_BODY = '5mb';

/** Call before the app starts listening, so it replaces Nest's default JSON parser. */
export function useJsonBodyLimit(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: MAX_JSON_BODY });
}
