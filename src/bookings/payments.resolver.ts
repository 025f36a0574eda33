import { Mutation, Resolver } from '@nestjs/graphql';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { AuthUser, Role } from '../auth/role';
import { IdArg } from '../core/validation/id-arg';
import { Payment } from './payment.entity';
import { PaymentsService } from './payments.service';
import { SignatureRequest } from './signature-request.entity';

/** Money and signatures around bookings: ops, finance and admins. */
@Resolver()
export class PaymentsResolver {
  constructor(private readonly payments: PaymentsService) {}

  @Mutation(() => Payment, { description: 'pending → held' })
  @Roles(Role.ops, Role.finance, Role.admin)
  holdPayment(@CurrentUser() caller: AuthUser, @IdArg('paymentId') paymentId: string): Promise<Payment> {
    return this.payments.hold(caller, paymentId);
  }

  @Mutation(() => Payment, { description: 'pending or held → captured' })
  @Roles(Role.ops, Role.finance, Role.admin)
  capturePayment(@CurrentUser() caller: AuthUser, @IdArg('paymentId') paymentId: string): Promise<Payment> {
    return this.payments.capture(caller, paymentId);
  }

  @Mutation(() => Payment, { description: 'captured → refunded' })
  @Roles(Role.ops, Role.finance, Role.admin)
  refundPayment(@CurrentUser() caller: AuthUser, @IdArg('paymentId') paymentId: string): Promise<Payment> {
    return this.payments.refund(caller, paymentId);
  }

  @Mutation(() => SignatureRequest, { description: 'Asks the customer to sign for a booking that is not cancelled' })
  @Roles(Role.ops, Role.finance, Role.admin)
  requestSignature(@CurrentUser() caller: AuthUser, @IdArg('bookingId') bookingId: string): Promise<SignatureRequest> {
    return this.payments.requestSignature(caller, bookingId);
  }

  @Mutation(() => SignatureRequest, { description: 'pending → signed' })
  @Roles(Role.ops, Role.finance, Role.admin)
  markSigned(@CurrentUser() caller: AuthUser, @IdArg('signatureRequestId') signatureRequestId: string): Promise<SignatureRequest> {
    return this.payments.markSigned(caller, signatureRequestId);
  }
}
