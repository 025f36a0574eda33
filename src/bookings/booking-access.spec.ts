import { AuthUser, Role } from '../auth/role';
import { BookingAccess, BookingAction, BookingParties } from './booking-access';
import { BookingErrorReason } from './bookings.error';
import { ErrorKind } from '../core/errors/herald-error';
import { thrown } from '../../test/support/thrown';

const booking: BookingParties = { customerId: 'customer-1', providerId: 'provider-1' };
const customer = new AuthUser('customer-1', [Role.customer]);
const otherCustomer = new AuthUser('customer-2', [Role.customer]);
const provider = new AuthUser('provider-1', [Role.provider]);
const otherProvider = new AuthUser('provider-2', [Role.provider]);
const ops = new AuthUser('ops-1', [Role.ops]);
const finance = new AuthUser('finance-1', [Role.finance]);
const admin = new AuthUser('admin-1', [Role.admin]);
/** Same id as the booking's customer, but the token lacks the customer role. */
const customerWithoutRole = new AuthUser('customer-1', [Role.provider]);


describe('BookingAccess', () => {
  describe('decide', () => {
    const table: [string, AuthUser, BookingAction, 'allow' | 'forbid' | 'hide'][] = [
      ['customer views own', customer, BookingAction.View, 'allow'],
      ['customer reschedules own', customer, BookingAction.Reschedule, 'allow'],
      ['customer cancels own', customer, BookingAction.Cancel, 'allow'],
      ['customer may not confirm own', customer, BookingAction.Confirm, 'forbid'],
      ['customer may not complete own', customer, BookingAction.Complete, 'forbid'],
      ['other customer does not see it', otherCustomer, BookingAction.View, 'hide'],
      ['other customer cannot cancel what they cannot see', otherCustomer, BookingAction.Cancel, 'hide'],
      ['provider views own', provider, BookingAction.View, 'allow'],
      ['provider confirms own', provider, BookingAction.Confirm, 'allow'],
      ['provider completes own', provider, BookingAction.Complete, 'allow'],
      ['provider marks own no-show', provider, BookingAction.MarkNoShow, 'allow'],
      ['provider cancels own', provider, BookingAction.Cancel, 'allow'],
      ['other provider does not see it', otherProvider, BookingAction.Confirm, 'hide'],
      ['ops sees everything', ops, BookingAction.View, 'allow'],
      ['ops confirms anything', ops, BookingAction.Confirm, 'allow'],
      ['ops marks no-show', ops, BookingAction.MarkNoShow, 'allow'],
      ['finance sees everything', finance, BookingAction.View, 'allow'],
      ['finance is read-only', finance, BookingAction.Cancel, 'forbid'],
      ['finance cannot confirm', finance, BookingAction.Confirm, 'forbid'],
      ['admin does everything', admin, BookingAction.Complete, 'allow'],
      ['a party needs the matching role', customerWithoutRole, BookingAction.View, 'hide'],
    ];

    it.each(table)('%s', (_name, caller, action, expected) => {
      expect(BookingAccess.decide(caller, booking, action)).toBe(expected);
    });
  });

  describe('assert', () => {
    it('reports a booking the caller may not see as NOT_FOUND, never FORBIDDEN', () => {
      const error = thrown(() => BookingAccess.assert(otherCustomer, 'b-1', booking, BookingAction.View));
      expect(error.kind).toBe(ErrorKind.NotFound);
      expect(error.reason).toBe(BookingErrorReason.NotFound);
    });

    it('reports a visible booking the caller may not change as FORBIDDEN', () => {
      const error = thrown(() => BookingAccess.assert(finance, 'b-1', booking, BookingAction.Cancel));
      expect(error.kind).toBe(ErrorKind.Forbidden);
    });

    it('passes silently when allowed', () => {
      expect(() => BookingAccess.assert(provider, 'b-1', booking, BookingAction.Confirm)).not.toThrow();
    });
  });

  describe('scope', () => {
    it('is unrestricted for staff', () => {
      expect(BookingAccess.scope(ops)).toEqual({});
      expect(BookingAccess.scope(finance)).toEqual({});
      expect(BookingAccess.scope(admin)).toEqual({});
    });

    it('limits customers and providers to their own bookings', () => {
      expect(BookingAccess.scope(customer)).toEqual({ customer: 'customer-1' });
      expect(BookingAccess.scope(provider)).toEqual({ provider: 'provider-1' });
    });

    it('covers both sides for someone who is customer and provider', () => {
      expect(BookingAccess.scope(new AuthUser('u', [Role.customer, Role.provider]))).toEqual({ $or: [{ customer: 'u' }, { provider: 'u' }] });
    });

    it('is empty for a caller with no role', () => {
      expect(BookingAccess.scope(new AuthUser('u', []))).toBeNull();
    });
  });

  describe('customerFor', () => {
    it('books customers for themselves', () => {
      expect(BookingAccess.customerFor(customer, undefined)).toBe('customer-1');
      expect(BookingAccess.customerFor(customer, 'customer-1')).toBe('customer-1');
    });

    it('refuses a customer booking for someone else', () => {
      expect(thrown(() => BookingAccess.customerFor(customer, 'customer-2')).kind).toBe(ErrorKind.Forbidden);
    });

    it('makes ops and admins name the customer', () => {
      expect(BookingAccess.customerFor(ops, 'customer-2')).toBe('customer-2');
      expect(BookingAccess.customerFor(admin, 'customer-2')).toBe('customer-2');
      const error = thrown(() => BookingAccess.customerFor(ops, null));
      expect(error.kind).toBe(ErrorKind.BadUserInput);
      expect(error.reason).toBe(BookingErrorReason.CustomerRequired);
    });

    it('refuses providers and finance', () => {
      expect(thrown(() => BookingAccess.customerFor(provider, undefined)).kind).toBe(ErrorKind.Forbidden);
      expect(thrown(() => BookingAccess.customerFor(finance, 'customer-1')).kind).toBe(ErrorKind.Forbidden);
    });
  });

  it('lets only ops, finance and admins handle payments', () => {
    for (const caller of [ops, finance, admin]) expect(() => BookingAccess.assertHandlesPayments(caller)).not.toThrow();
    for (const caller of [customer, provider]) expect(thrown(() => BookingAccess.assertHandlesPayments(caller)).kind).toBe(ErrorKind.Forbidden);
  });
});
