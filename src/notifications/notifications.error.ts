import { ErrorKind, HeraldError } from '../core/errors/herald-error';
import { NotificationStatus } from './notification.entity';

export enum NotificationErrorReason {
  NotFound = 'NOTIFICATION_NOT_FOUND',
  IllegalState = 'NOTIFICATION_ILLEGAL_STATE',
  FallbackDelivered = 'FALLBACK_DELIVERED',
}

export class NotificationError extends HeraldError {
  static notFound(id: string) {
    return new NotificationError(ErrorKind.NotFound, NotificationErrorReason.NotFound, `Notification ${id} does not exist`, { id });
  }

  static illegalState(id: string, action: string, currentStatus: NotificationStatus) {
    return new NotificationError(ErrorKind.Conflict, NotificationErrorReason.IllegalState, `Cannot ${action} notification ${id}: it is ${currentStatus}`, {
      id,
      currentStatus,
    });
  }

  /** A fallback standing in for it reached the person already: sending it again would repeat the message. */
  static fallbackDelivered(id: string) {
    return new NotificationError(
      ErrorKind.Conflict,
      NotificationErrorReason.FallbackDelivered,
      `Notification ${id} was delivered through a fallback on another channel; it is not sent again`,
      { id },
    );
  }
}
