import { Role } from '../auth/role';
import type { User } from './user.entity';
import { UserError } from './users.error';

/** What a lookup loads of each user: enough to check who exists in which role. */
export type UserRoles = Pick<User, 'id' | 'roles'>;

/** Users loaded together, checked one id at a time without another query. */
export class UserLookup {
  private readonly byId: ReadonlyMap<string, UserRoles>;

  constructor(users: Iterable<UserRoles>) {
    this.byId = new Map([...users].map((user) => [user.id, user]));
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** NOT_FOUND when the user is missing, BAD_USER_INPUT when they lack `role`. */
  assertRole(id: string, role: Role): void {
    const user = this.byId.get(id);
    if (!user) throw UserError.notFound(id);
    if (!user.roles.includes(role)) throw UserError.missingRole(id, role);
  }
}
