import { TokenService } from '../src/auth/token.service';
import { Role } from '../src/auth/role';
import { Locale, User } from '../src/users/user.entity';
import { dataOf } from './bookings.fixtures';
import type { TestApp } from './support/test-app';

/** Shared by the specs of preferences at planning and at send time. */

let customers = 0;

/** A customer of their own (preferences are per user, so specs do not share them), with a token. */
export async function newCustomer(t: TestApp, overrides: Partial<User> = {}): Promise<{ user: User; token: string }> {
  const em = t.orm.em.fork();
  const index = customers++;
  const user = em.create(User, {
    name: `Customer ${index}`,
    email: `prefs-${process.pid}-${index}@herald.test`,
    phone: `+99890765${String(index).padStart(4, '0')}`,
    locale: Locale.en,
    timezone: 'Asia/Tashkent',
    roles: [Role.customer],
    ...overrides,
  });
  await em.flush();
  return { user, token: await t.app.get(TokenService).mint(user) };
}

export const UPDATE_PREFERENCES = `mutation($input: UpdatePreferencesInput!) { updateMyPreferences(input: $input) { userId } }`;

/** Changes the caller's preferences over GraphQL, failing the test on any error. */
export async function setPreferences(t: TestApp, token: string, input: Record<string, unknown>): Promise<void> {
  dataOf(await t.gql(UPDATE_PREFERENCES, { input }, token));
}
