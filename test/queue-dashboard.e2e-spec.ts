import { QUEUE_DASHBOARD_COOKIE } from '../src/core/queue-dashboard/queue-dashboard.auth';
import { NotificationQueue } from '../src/notifications/queue/notification-queue';
import { startTestApp, TestApp } from './support/test-app';

describe('queue dashboard at /admin/queues', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ env: { HERALD_ROLE: 'api' } })));
  afterAll(() => t.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.url}${path}`, { headers, redirect: 'manual' });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses anonymous callers and bad tokens with 401', async () => {
    expect((await get('/admin/queues')).status).toBe(401);
    expect((await get('/admin/queues/api/queues')).status).toBe(401);
    expect((await get('/admin/queues', bearer('not.a.jwt'))).status).toBe(401);
    expect((await get('/admin/queues?token=not.a.jwt')).status).toBe(401);
    expect((await get('/admin/queues', { cookie: `${QUEUE_DASHBOARD_COOKIE}=not.a.jwt` })).status).toBe(401);
  });

  it('refuses every role but admin with 403, and sets no cookie for them', async () => {
    for (const persona of ['ops', 'finance', 'provider', 'customer'] as const) {
      expect((await get('/admin/queues', bearer(t.tokens[persona]))).status).toBe(403);
      const viaQuery = await get(`/admin/queues?token=${t.tokens[persona]}`);
      expect(viaQuery.status).toBe(403);
      expect(viaQuery.headers.get('set-cookie')).toBeNull();
    }
  });

  it('serves the admin with a bearer token, every Herald queue listed', async () => {
    const page = await get('/admin/queues', bearer(t.tokens.admin));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);

    const api = await get('/admin/queues/api/queues', bearer(t.tokens.admin));
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string }[] };
    const herald = t.app.get(NotificationQueue).all.map((queue) => queue.name);
    expect(queues.map((queue) => queue.name).sort()).toEqual([...herald].sort());
  });

  it('turns a ?token= into an HttpOnly, SameSite=Strict cookie for its path, and drops the token from the address', async () => {
    const entry = await get(`/admin/queues?token=${t.tokens.admin}`);
    expect(entry.status).toBe(303);
    expect(entry.headers.get('location')).toBe('/admin/queues');
    const setCookie = entry.headers.get('set-cookie')!;
    expect(setCookie).toContain(`${QUEUE_DASHBOARD_COOKIE}=`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/admin\/queues(;|$)/);

    const cookie = setCookie.split(';')[0];
    expect((await get('/admin/queues', { cookie })).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
  });
});
