import { AuthUser, Role } from '../auth/role';
import { UserLookup } from '../users/user-lookup';
import { BookingAccess } from './booking-access';
import { assertSchedulable, Booking, formatMoney } from './booking.entity';
import { CreateBookingInput } from './dto/booking.input';

/** What a new booking stores from its input. */
export type NewBookingFields = Pick<Booking, 'serviceName' | 'startsAt' | 'endsAt' | 'timezone' | 'address' | 'postalCode' | 'note' | 'price' | 'currency'> & {
  customerId: string;
  providerId: string;
};

/**
 * What a new booking must pass and what it stores, whether created alone or imported. The checks
 * run in the order listed: the first needs no query; the second runs on users loaded beforehand
 * (one query for a whole import).
 */
export const NewBooking = {
  /** Whom the booking is for (FORBIDDEN or BAD_USER_INPUT), and a slot that can be booked at `now`. */
  customerAndSlot(caller: AuthUser, input: CreateBookingInput, now: Date): string {
    const customerId = BookingAccess.customerFor(caller, input.customerId);
    assertSchedulable(input.startsAt, input.endsAt, now);
    return customerId;
  },

  /** The stored values of a checked input, the same whether the booking is created alone or imported. */
  fields(input: CreateBookingInput, customerId: string): NewBookingFields {
    return {
      customerId,
      providerId: input.providerId,
      serviceName: input.serviceName,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      timezone: input.timezone,
      address: input.address ?? null,
      postalCode: input.postalCode ?? null,
      note: input.note ?? null,
      price: formatMoney(input.price),
      currency: input.currency,
    };
  },

  /** The provider and the customer exist in those roles (NOT_FOUND, or BAD_USER_INPUT for a wrong role). */
  assertParties(users: UserLookup, providerId: string, customerId: string): void {
    users.assertRole(providerId, Role.provider);
    users.assertRole(customerId, Role.customer);
  },
};
