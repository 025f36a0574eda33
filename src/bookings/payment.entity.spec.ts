import { ErrorKind } from '../core/errors/herald-error';
import { BookingErrorReason } from './bookings.error';
import { Payment, PaymentStatus } from './payment.entity';
import { SignatureRequest, SignatureStatus } from './signature-request.entity';
import { thrown } from '../../test/support/thrown';

const now = new Date('2026-11-21T10:00:00Z');

function paymentIn(status: PaymentStatus): Payment {
  const payment = new Payment();
  payment.status = status;
  return payment;
}


describe(Payment.name, () => {
  const allowed: Record<'hold' | 'capture' | 'refund', PaymentStatus[]> = {
    hold: [PaymentStatus.pending],
    capture: [PaymentStatus.pending, PaymentStatus.held],
    refund: [PaymentStatus.captured],
  };
  const outcome = { hold: PaymentStatus.held, capture: PaymentStatus.captured, refund: PaymentStatus.refunded };

  for (const action of ['hold', 'capture', 'refund'] as const) {
    describe(action, () => {
      it.each(allowed[action])(`${action}s from %s`, (from) => {
        const payment = paymentIn(from);
        payment[action](now);
        expect(payment.status).toBe(outcome[action]);
      });

      it.each(Object.values(PaymentStatus).filter((s) => !allowed[action].includes(s)))('refuses from %s with CONFLICT', (from) => {
        const payment = paymentIn(from);
        const error = thrown(() => payment[action](now));
        expect(error.kind).toBe(ErrorKind.Conflict);
        expect(error.reason).toBe(BookingErrorReason.IllegalTransition);
        expect(error.details).toMatchObject({ entity: 'Payment', currentStatus: from });
        expect(payment.status).toBe(from);
      });
    });
  }

  it('stamps each step with the time', () => {
    const payment = paymentIn(PaymentStatus.pending);
    payment.hold(now);
    expect(payment.heldSince).toEqual(now);
    const later = new Date(now.getTime() + 1000);
    payment.capture(later);
    expect(payment.capturedAt).toEqual(later);
    payment.refund(later);
    expect(payment.refundedAt).toEqual(later);
  });
});

describe(SignatureRequest.name, () => {
  it('signs a pending request once', () => {
    const request = new SignatureRequest();
    request.sign(now);
    expect(request.status).toBe(SignatureStatus.signed);
    expect(request.signedAt).toEqual(now);
    const error = thrown(() => request.sign(now));
    expect(error.kind).toBe(ErrorKind.Conflict);
    expect(error.details).toMatchObject({ entity: 'SignatureRequest', currentStatus: 'signed' });
  });
});
