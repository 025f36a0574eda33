import { registerEnumType } from '@nestjs/graphql';

/** Keys are the wire and stored spelling alike (GraphQL names enum values after keys). */
export enum Role {
  customer = 'customer',
  provider = 'provider',
  ops = 'ops',
  finance = 'finance',
  admin = 'admin',
}

export const ALL_ROLES: readonly Role[] = Object.values(Role);

registerEnumType(Role, { name: 'Role', description: 'What a user may do; admin may do everything.' });

/** The caller, as proven by a verified bearer token. */
export class AuthUser {
  constructor(
    readonly id: string,
    readonly roles: readonly Role[],
  ) {}

  has(...roles: Role[]): boolean {
    return this.roles.includes(Role.admin) || roles.some((role) => this.roles.includes(role));
  }

  /** Staff see every booking; customers and providers only their own. */
  get seesEverything(): boolean {
    return this.has(Role.ops, Role.finance);
  }
}
