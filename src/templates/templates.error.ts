import { ErrorKind, HeraldError } from '../core/errors/herald-error';
import { NotificationChannel, NotificationType } from '../notifications/notification.entity';
import { TemplateError } from './engine/template-engine';
import type { NoTemplateRendered } from './template-library';

export enum TemplatesErrorReason {
  NotFound = 'TEMPLATE_NOT_FOUND',
  Invalid = 'TEMPLATE_INVALID',
  NotYours = 'TEMPLATE_NOT_YOURS',
  NothingRenders = 'TEMPLATE_NOTHING_RENDERS',
}

/** What the templates module refuses, and why; services throw only this (or core errors). */
export class TemplatesError extends HeraldError {
  static notFound(id: string) {
    return new TemplatesError(ErrorKind.NotFound, TemplatesErrorReason.NotFound, `Template ${id} does not exist`, { id });
  }

  /** A template that does not compile or does not render against its type's sample: where, and why. */
  static invalid(error: TemplateError, type: NotificationType, channel: NotificationChannel) {
    return new TemplatesError(ErrorKind.BadUserInput, TemplatesErrorReason.Invalid, `The ${type} template for ${channel} is invalid: ${error.message}`, {
      part: error.part,
      line: error.line,
      column: error.column,
      cause: error.reason,
    });
  }

  static blank(type: NotificationType, channel: NotificationChannel) {
    return new TemplatesError(ErrorKind.BadUserInput, TemplatesErrorReason.Invalid, `The ${type} template for ${channel} renders an empty message`, {
      part: 'body',
      line: null,
      column: null,
      cause: 'the rendered body is empty',
    });
  }

  /** Providers save templates only for the messages about their own bookings. */
  static notYours(providerId: string | null) {
    return new TemplatesError(
      ErrorKind.Forbidden,
      TemplatesErrorReason.NotYours,
      providerId ? `Only provider ${providerId} and admins may change that provider's templates` : "Only admins may change everyone's templates",
      { providerId },
    );
  }

  /** Every template of the fallback chain failed for this message (e.g. a real booking a saved version cannot word). */
  static nothingRenders(error: NoTemplateRendered) {
    return new TemplatesError(ErrorKind.BadUserInput, TemplatesErrorReason.NothingRenders, error.message, { failures: error.failures });
  }
}
