import { ErrorKind, HeraldError } from '../core/errors/herald-error';

export enum BookingErrorReason {
  NotFound = 'BOOKING_NOT_FOUND',
  PaymentNotFound = 'PAYMENT_NOT_FOUND',
  SignatureRequestNotFound = 'SIGNATURE_REQUEST_NOT_FOUND',
  StartsInPast = 'BOOKING_STARTS_IN_PAST',
  EndsBeforeStart = 'BOOKING_ENDS_BEFORE_START',
  Overlaps = 'BOOKING_OVERLAPS',
  IllegalTransition = 'ILLEGAL_TRANSITION',
  NotStarted = 'BOOKING_NOT_STARTED',
  CustomerRequired = 'BOOKING_CUSTOMER_REQUIRED',
  ActionForbidden = 'BOOKING_ACTION_FORBIDDEN',
  AlreadyRated = 'BOOKING_ALREADY_RATED',
}

/** What the bookings module refuses, and why; services throw only this (or core errors). */
export class BookingError extends HeraldError {
  static notFound(id: string) {
    return new BookingError(ErrorKind.NotFound, BookingErrorReason.NotFound, `Booking ${id} does not exist`, { id });
  }

  static paymentNotFound(id: string) {
    return new BookingError(ErrorKind.NotFound, BookingErrorReason.PaymentNotFound, `Payment ${id} does not exist`, { id });
  }

  static signatureRequestNotFound(id: string) {
    return new BookingError(ErrorKind.NotFound, BookingErrorReason.SignatureRequestNotFound, `Signature request ${id} does not exist`, { id });
  }

  static startsInPast(startsAt: Date) {
    return new BookingError(ErrorKind.BadUserInput, BookingErrorReason.StartsInPast, 'startsAt must be in the future', {
      startsAt: startsAt.toISOString(),
    });
  }

  static endsBeforeStart(startsAt: Date, endsAt: Date) {
    return new BookingError(ErrorKind.BadUserInput, BookingErrorReason.EndsBeforeStart, 'endsAt must be after startsAt', {
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
    });
  }

  static overlaps(providerId: string, startsAt: Date, endsAt: Date) {
    return new BookingError(
      ErrorKind.Conflict,
      BookingErrorReason.Overlaps,
      `Provider ${providerId} already has a booking between ${startsAt.toISOString()} and ${endsAt.toISOString()}`,
      { providerId, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
    );
  }

  /** `entity` is Booking, Payment or SignatureRequest; `currentStatus` is its status, spelled as the API spells it. */
  static illegalTransition(entity: string, id: string, currentStatus: string, attempted: string) {
    return new BookingError(
      ErrorKind.Conflict,
      BookingErrorReason.IllegalTransition,
      `${entity} ${id} is ${currentStatus} and cannot be ${attempted}`,
      { entity, id, currentStatus, attempted },
    );
  }

  static notStarted(id: string, startsAt: Date) {
    return new BookingError(ErrorKind.Conflict, BookingErrorReason.NotStarted, `Booking ${id} has not started yet`, {
      id,
      startsAt: startsAt.toISOString(),
    });
  }

  static customerRequired() {
    return new BookingError(ErrorKind.BadUserInput, BookingErrorReason.CustomerRequired, 'customerId is required when booking on behalf of a customer', {
      field: 'customerId',
    });
  }

  static actionForbidden(action: string, reason: string) {
    return new BookingError(ErrorKind.Forbidden, BookingErrorReason.ActionForbidden, `You may not ${action}: ${reason}`, { action });
  }

  static alreadyRated(id: string) {
    return new BookingError(ErrorKind.Conflict, BookingErrorReason.AlreadyRated, `Booking ${id} has already been rated`, { id });
  }
}
