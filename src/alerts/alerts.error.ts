import { ErrorKind, HeraldError } from '../core/errors/herald-error';
import { AlertStatus } from './business-alert.entity';

export enum AlertsErrorReason {
  NotFound = 'ALERT_NOT_FOUND',
  IllegalState = 'ALERT_ILLEGAL_STATE',
  NotStaff = 'ALERT_ASSIGNEE_NOT_STAFF',
  PastSilence = 'ALERT_SILENCE_IN_PAST',
}

/** What the alerts module refuses, and why. */
export class AlertsError extends HeraldError {
  static notFound(id: string) {
    return new AlertsError(ErrorKind.NotFound, AlertsErrorReason.NotFound, `Alert ${id} does not exist`, { id });
  }

  static illegalState(id: string, action: string, status: AlertStatus) {
    return new AlertsError(ErrorKind.Conflict, AlertsErrorReason.IllegalState, `Alert ${id} is ${status} and cannot be ${action}`, { id, status });
  }

  static notStaff(userId: string) {
    return new AlertsError(ErrorKind.BadUserInput, AlertsErrorReason.NotStaff, `User ${userId} is not ops, finance or admin`, { userId });
  }

  static silenceInPast(until: Date) {
    return new AlertsError(ErrorKind.BadUserInput, AlertsErrorReason.PastSilence, 'until must be in the future', { until: until.toISOString() });
  }
}
