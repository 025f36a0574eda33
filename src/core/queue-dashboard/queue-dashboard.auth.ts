import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthError } from '../../auth/auth.error';
import { Role } from '../../auth/role';
import { bearerToken, TokenService } from '../../auth/token.service';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';
/** Carries the admin's token for the dashboard's own page and API calls, which a browser cannot give a bearer header. */
export const QUEUE_DASHBOARD_COOKIE = 'herald_queues_token';

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * Admins only. The token comes from `Authorization: Bearer`, the cookie, or `?token=` once: that
 * sets the cookie (HttpOnly, SameSite=Strict, this path only, for the browser session; the
 * token's own expiry still applies) and
 * redirects to the same address without the token, so it stays out of history and logs.
 */
@Injectable()
export class QueueDashboardAuth implements NestMiddleware {
  constructor(private readonly tokens: TokenService) {}

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    const fromQuery = typeof request.query.token === 'string' ? request.query.token : undefined;
    const token = bearerToken(request.headers.authorization) ?? fromQuery ?? cookie(request, QUEUE_DASHBOARD_COOKIE);
    if (!token) return void response.status(401).type('text/plain').send('An admin bearer token is required');
    try {
      const user = await this.tokens.verify(token);
      if (!user.has(Role.admin)) return void response.status(403).type('text/plain').send('The queue dashboard is for admins');
    } catch (error) {
      if (error instanceof AuthError) return void response.status(401).type('text/plain').send(error.message);
      throw error;
    }
    if (fromQuery) {
      response.cookie(QUEUE_DASHBOARD_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.secure,
        path: QUEUE_DASHBOARD_ROUTE,
      });
      const url = new URL(request.originalUrl, 'http://herald.invalid');
      url.searchParams.delete('token');
      return void response.redirect(303, url.pathname + url.search);
    }
    next();
  }
}
