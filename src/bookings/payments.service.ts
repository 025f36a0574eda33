import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from '../auth/role';
import { Clock } from '../core/clock/clock';
import { BookingAccess } from './booking-access';
import { Booking, BookingStatus } from './booking.entity';
import { BookingError } from './bookings.error';
import { Payment } from './payment.entity';
import { SignatureRequest } from './signature-request.entity';

/**
 * Payments and signature requests around a booking. Each transition locks its row, so two
 * clerks pressing "capture" at once produce one capture and one CONFLICT.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  hold(caller: AuthUser, paymentId: string): Promise<Payment> {
    return this.changePayment(caller, paymentId, (payment, now) => payment.hold(now));
  }

  capture(caller: AuthUser, paymentId: string): Promise<Payment> {
    return this.changePayment(caller, paymentId, (payment, now) => payment.capture(now));
  }

  refund(caller: AuthUser, paymentId: string): Promise<Payment> {
    return this.changePayment(caller, paymentId, (payment, now) => payment.refund(now));
  }

  async requestSignature(caller: AuthUser, bookingId: string): Promise<SignatureRequest> {
    BookingAccess.assertHandlesPayments(caller);
    const request = await this.em.transactional(async (tx) => {
      const booking = await tx.findOne(Booking, { id: bookingId });
      if (!booking) throw BookingError.notFound(bookingId);
      if (booking.status === BookingStatus.cancelled) {
        throw BookingError.illegalTransition('Booking', bookingId, booking.status, 'asked for a signature');
      }
      return tx.create(SignatureRequest, { booking, requestedAt: this.clock.now() });
    });
    return this.em.findOneOrFail(SignatureRequest, { id: request.id }, { refresh: true });
  }

  async markSigned(caller: AuthUser, signatureRequestId: string): Promise<SignatureRequest> {
    BookingAccess.assertHandlesPayments(caller);
    await this.em.transactional(async (tx) => {
      const request = await tx.findOne(SignatureRequest, { id: signatureRequestId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!request) throw BookingError.signatureRequestNotFound(signatureRequestId);
      request.sign(this.clock.now());
    });
    return this.em.findOneOrFail(SignatureRequest, { id: signatureRequestId }, { refresh: true });
  }

  private async changePayment(caller: AuthUser, paymentId: string, apply: (payment: Payment, now: Date) => void): Promise<Payment> {
    BookingAccess.assertHandlesPayments(caller);
    await this.em.transactional(async (tx) => {
      const payment = await tx.findOne(Payment, { id: paymentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!payment) throw BookingError.paymentNotFound(paymentId);
      apply(payment, this.clock.now());
    });
    return this.em.findOneOrFail(Payment, { id: paymentId }, { refresh: true });
  }
}
