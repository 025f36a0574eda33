import { TokenService } from '../src/auth/token.service';
import { seedDemoData } from '../src/bookings/demo-data';
import { isE164Phone } from '../src/core/validation/validators';
import { startTestApp, TestApp } from './support/test-app';
import { countRows, dataOf } from './bookings.fixtures';

const HOUR = 3_600_000;

describe('bookings: demo data (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('seeds valid users and bookings once, and skips the second time', async () => {
    const usersBefore = await countRows(t, 'users');
    const { users } = await seedDemoData(t.orm.em.fork(), t.clock);
    expect(Object.keys(users).sort()).toEqual(['admin', 'customer1', 'customer2', 'customer3', 'finance', 'ops', 'provider1', 'provider2']);
    expect(await countRows(t, 'users')).toBe(usersBefore + 8);
    expect(new Set([users.customer1.locale, users.customer2.locale, users.customer3.locale])).toEqual(new Set(['uz', 'ru', 'en']));
    expect(Object.values(users).every((user) => isE164Phone(user.phone) && user.timezone === 'Asia/Tashkent')).toBe(true);
    expect(new Set(Object.values(users).map((user) => user.postalCode)).size).toBe(2);
    expect(await countRows(t, 'bookings')).toBe(8);
    expect(await countRows(t, 'payments')).toBe(8);

    const again = await seedDemoData(t.orm.em.fork(), t.clock);
    expect(again.users.admin.id).toBe(users.admin.id);
    expect(await countRows(t, 'users')).toBe(usersBefore + 8);
    expect(await countRows(t, 'bookings')).toBe(8);

    // Readable through the API by the demo admin, spread over time as promised.
    const token = await t.app.get(TokenService).mint(users.admin);
    const { bookings } = dataOf(
      await t.gql<{ bookings: { totalCount: number; nodes: { startsAt: string; status: string; version: number; events: { bookingVersion: number }[] }[] } }>(
        `{ bookings(page: { first: 50 }) { totalCount nodes { startsAt status version events { bookingVersion } } } }`,
        {},
        token,
      ),
    );
    expect(bookings.totalCount).toBe(8);
    const now = t.clock.now().getTime();
    const minutesAway = bookings.nodes.map((b) => (new Date(b.startsAt).getTime() - now) / 60_000).sort((a, b) => a - b);
    // In order: yesterday, 30 min, 2 h, 5 h, tomorrow, 2 days, 3 days (the cancelled one), 4 days; starts are whole minutes.
    const expected = [-24 * 60, 30, 120, 300, 24 * 60, 48 * 60, 72 * 60, 96 * 60];
    minutesAway.forEach((minutes, i) => expect(Math.abs(minutes - expected[i])).toBeLessThanOrEqual(1));
    expect(bookings.nodes.map((b) => b.status).sort()).toEqual(['cancelled', 'completed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'pending', 'pending']);
    for (const booking of bookings.nodes) expect(booking.events.map((e) => e.bookingVersion)).toEqual(Array.from({ length: booking.version }, (_, i) => i + 1));

    const [held] = await t.orm.em.getConnection().execute<{ held_since: Date }[]>(`select held_since from payments where status = 'held'`);
    expect(Math.round((now - new Date(held.held_since).getTime()) / HOUR)).toBe(30);
    const [signature] = await t.orm.em.getConnection().execute<{ requested_at: Date }[]>(`select requested_at from signature_requests where status = 'pending'`);
    expect(Math.round((now - new Date(signature.requested_at).getTime()) / HOUR)).toBe(30);
  });
});
