import type { FieldMiddleware, NextFn } from '@nestjs/graphql';
import type { RequestAuth } from '../auth/auth.guard';
import { Role } from '../auth/role';
import { toGraphQLError } from '../core/errors/graphql-error.filter';
import type { User } from './user.entity';
import { UserError } from './users.error';

/** Why a caller may see more of a user than everyone who reaches them; noted by the field that led there. */
export enum UserRelation {
  /** The user is the customer of a booking the caller provides. */
  CustomerOfCallersBooking = 'customer of a booking the caller provides',
}

/** Fields of User that anyone who reaches the user sees (the parties of a booking see each other). */
export const PUBLIC_USER_FIELDS = ['id', 'name', 'timezone', 'locale', 'postalCodes', 'createdAt', 'updatedAt'] as const;

/**
 * Contact details, roles and delivery state: seen by the user themself, ops and admins, and by
 * the relations named here. Anyone else asking gets FORBIDDEN.
 */
export const PRIVATE_USER_FIELDS = {
  email: [],
  phone: [UserRelation.CustomerOfCallersBooking],
  roles: [],
  postalCode: [],
  telegramLinked: [],
  telegramOffAt: [],
  smsOffAt: [],
} as const satisfies Record<string, readonly UserRelation[]>;

export type PrivateUserField = keyof typeof PRIVATE_USER_FIELDS;

/** Per operation (its GraphQL context): the relations noted for each user id. */
const notedRelations = new WeakMap<RequestAuth, Map<string, Set<UserRelation>>>();

/**
 * The one place that decides which fields of a user a caller sees. Fields of other modules that
 * lead to a user note the relation they stand in (a booking's customer, to its provider); the
 * private fields of User ask here before they resolve.
 */
export const UserFieldAccess = {
  /** In this operation, `userId` stands in `relation` to the caller. */
  relate(auth: RequestAuth, userId: string, relation: UserRelation): void {
    let byUser = notedRelations.get(auth);
    if (!byUser) notedRelations.set(auth, (byUser = new Map()));
    const relations = byUser.get(userId);
    if (relations) relations.add(relation);
    else byUser.set(userId, new Set([relation]));
  },

  canSee(auth: RequestAuth, userId: string, field: PrivateUserField): boolean {
    const caller = auth.user;
    if (!caller) return false;
    if (caller.id === userId || caller.has(Role.ops)) return true;
    const relations = notedRelations.get(auth)?.get(userId);
    return !!relations && PRIVATE_USER_FIELDS[field].some((relation) => relations.has(relation));
  },
};

/** On every private field of User: FORBIDDEN unless UserFieldAccess lets the caller see it. */
export const privateUserField: FieldMiddleware<User, RequestAuth> = ({ source, context, info }, next: NextFn) => {
  const field = info.fieldName as PrivateUserField;
  // Field middleware runs outside Nest's exception filters, so the error is mapped here as the filter would.
  if (!UserFieldAccess.canSee(context, source.id, field)) throw toGraphQLError(UserError.fieldHidden(field, source.id));
  return next();
};
