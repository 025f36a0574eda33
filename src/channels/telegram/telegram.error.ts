import { ErrorKind, HeraldError } from '../../core/errors/herald-error';

export enum TelegramErrorReason {
  NotConfigured = 'TELEGRAM_NOT_CONFIGURED',
}

/** What the Telegram module refuses over the API. */
export class TelegramChannelError extends HeraldError {
  static notConfigured() {
    return new TelegramChannelError(ErrorKind.Conflict, TelegramErrorReason.NotConfigured, 'Telegram is not configured on this server', {});
  }
}
