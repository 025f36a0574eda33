import type { NestExpressApplication } from '@nestjs/platform-express';
import { HeraldConfig } from '../config/herald-config';

/**
 * Lets browsers on CORS_ORIGINS call the API: their preflights get 204 with the CORS headers. Any
 * other origin gets none, so its browser keeps the responses from the page. Tokens travel in a
 * header, never in cookies, so credentials are not allowed.
 */
export function useCors(app: NestExpressApplication, config: HeraldConfig): void {
  const allowed = new Set(
    config.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim().toLowerCase())
      .filter(Boolean),
  );
  if (allowed.size === 0) return;
  app.enableCors({
    // false skips the CORS middleware altogether: no headers at all for an origin not on the list.
    origin: (origin: string | undefined, allow: (error: Error | null, allowed: boolean) => void) => allow(null, !!origin && allowed.has(origin.toLowerCase())),
    methods: ['GET', 'POST'],
  });
}
