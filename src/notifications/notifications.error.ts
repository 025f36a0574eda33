import { ErrorKind, HeraldError } from '../core/errors/herald-error';
import { ChannelError } from './channels/channel-sender';
import { NotificationChannel, NotificationStatus } from './notification.entity';

export enum NotificationErrorReason {
  NotFound = 'NOTIFICATION_NOT_FOUND',
  IllegalState = 'NOTIFICATION_ILLEGAL_STATE',
  FallbackDelivered = 'FALLBACK_DELIVERED',
  ChannelUnavailable = 'CHANNEL_NOT_CONFIGURED',
  NoAddress = 'NO_ADDRESS',
  TestFailed = 'TEST_SEND_FAILED',
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

  static channelUnavailable(channel: NotificationChannel) {
    return new NotificationError(ErrorKind.Conflict, NotificationErrorReason.ChannelUnavailable, `The ${channel} channel is not configured`, { channel });
  }

  static noAddress(channel: NotificationChannel) {
    return new NotificationError(ErrorKind.BadUserInput, NotificationErrorReason.NoAddress, `You cannot be reached on ${channel}: add the address it needs first`, { channel });
  }

  /** The provider refused the test message: its reason, as the channel classified it. */
  static testFailed(channel: NotificationChannel, error: ChannelError) {
    return new NotificationError(ErrorKind.Conflict, NotificationErrorReason.TestFailed, `The test ${channel} message was not sent: ${error.message}`, {
      channel,
      retryable: error.retryable,
      providerCode: error.code ?? null,
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
