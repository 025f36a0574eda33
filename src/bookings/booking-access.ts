import type { FilterQuery } from '@mikro-orm/core';
import { AuthUser, Role } from '../auth/role';
import type { Booking } from './booking.entity';
import { BookingError } from './bookings.error';

/** Everything someone can do to a booking; each has one rule below. */
export enum BookingAction {
  View = 'view',
  Confirm = 'confirm',
  Reschedule = 'reschedule',
  Cancel = 'cancel',
  Complete = 'complete',
  MarkNoShow = 'mark as no-show',
}

/** Who a booking belongs to: all the policy needs to know about it. */
export interface BookingParties {
  customerId: string;
  providerId: string;
}

type Party = 'customer' | 'provider';

/** Staff roles act on every booking; parties only on bookings they are party to. Admin passes every `has`. */
const RULES: Record<BookingAction, { staff: Role[]; parties: Party[] }> = {
  [BookingAction.View]: { staff: [Role.ops, Role.finance], parties: ['customer', 'provider'] },
  [BookingAction.Confirm]: { staff: [Role.ops], parties: ['provider'] },
  [BookingAction.Reschedule]: { staff: [Role.ops], parties: ['customer', 'provider'] },
  [BookingAction.Cancel]: { staff: [Role.ops], parties: ['customer', 'provider'] },
  [BookingAction.Complete]: { staff: [Role.ops], parties: ['provider'] },
  [BookingAction.MarkNoShow]: { staff: [Role.ops], parties: ['provider'] },
};

export type AccessDecision = 'allow' | 'forbid' | 'hide';

function partiesOfCaller(caller: AuthUser, booking: BookingParties): Party[] {
  const parties: Party[] = [];
  if (caller.id === booking.customerId && caller.has(Role.customer)) parties.push('customer');
  if (caller.id === booking.providerId && caller.has(Role.provider)) parties.push('provider');
  return parties;
}

/**
 * The one place that decides who sees and changes which booking. Every read and write in the
 * bookings module goes through it. A booking the caller may not see is reported as missing,
 * so its existence never leaks; one they see but may not change is FORBIDDEN.
 */
export const BookingAccess = {
  partiesOf(booking: Booking): BookingParties {
    return { customerId: booking.customer.id, providerId: booking.provider.id };
  },

  decide(caller: AuthUser, booking: BookingParties, action: BookingAction): AccessDecision {
    const rule = RULES[action];
    if (caller.has(...rule.staff)) return 'allow';
    const parties = partiesOfCaller(caller, booking);
    if (rule.parties.some((party) => parties.includes(party))) return 'allow';
    return BookingAccess.canView(caller, booking) ? 'forbid' : 'hide';
  },

  /** Whether the caller is the booking's provider (who may call its customer). */
  isProvider(caller: AuthUser, booking: BookingParties): boolean {
    return partiesOfCaller(caller, booking).includes('provider');
  },

  canView(caller: AuthUser, booking: BookingParties): boolean {
    return caller.has(...RULES[BookingAction.View].staff) || partiesOfCaller(caller, booking).length > 0;
  },

  /** Throws NOT_FOUND for a booking the caller may not see, FORBIDDEN for one they may not change. */
  assert(caller: AuthUser, bookingId: string, booking: BookingParties, action: BookingAction): void {
    const decision = BookingAccess.decide(caller, booking, action);
    if (decision === 'hide') throw BookingError.notFound(bookingId);
    if (decision === 'forbid') throw BookingError.actionForbidden(`${action} booking ${bookingId}`, 'it is not yours to change');
  },

  /** The bookings a caller may list, as a filter; null when they may see none. */
  scope(caller: AuthUser): FilterQuery<Booking> | null {
    if (caller.has(...RULES[BookingAction.View].staff)) return {};
    const own: FilterQuery<Booking>[] = [];
    if (caller.has(Role.customer)) own.push({ customer: caller.id });
    if (caller.has(Role.provider)) own.push({ provider: caller.id });
    if (own.length === 0) return null;
    return own.length === 1 ? own[0] : { $or: own };
  },

  /** Whom a new booking is for: customers book for themselves, ops and admins name the customer. */
  customerFor(caller: AuthUser, requestedCustomerId: string | null | undefined): string {
    if (caller.has(Role.ops)) {
      if (!requestedCustomerId) throw BookingError.customerRequired();
      return requestedCustomerId;
    }
    if (caller.has(Role.customer)) {
      if (requestedCustomerId && requestedCustomerId !== caller.id) {
        throw BookingError.actionForbidden('book for someone else', 'customers book only for themselves');
      }
      return caller.id;
    }
    throw BookingError.actionForbidden('create bookings', 'only customers, ops and admins create bookings');
  },

  /** Only the booking's own customer rates it: neither staff nor admins speak for them. */
  assertRates(caller: AuthUser, bookingId: string, booking: BookingParties): void {
    if (caller.id === booking.customerId && caller.roles.includes(Role.customer)) return;
    if (!BookingAccess.canView(caller, booking)) throw BookingError.notFound(bookingId);
    throw BookingError.actionForbidden(`rate booking ${bookingId}`, "only the booking's customer rates it");
  },

  /** Bulk imports are for ops and admins, who name each booking's customer. */
  assertImports(caller: AuthUser): void {
    if (!caller.has(Role.ops)) throw BookingError.actionForbidden('import bookings', 'ops or admin only');
  },

  /** Payments and signatures are handled by ops, finance and admins. */
  assertHandlesPayments(caller: AuthUser): void {
    if (!caller.has(Role.ops, Role.finance)) throw BookingError.actionForbidden('handle payments or signatures', 'ops, finance or admin only');
  },
};
