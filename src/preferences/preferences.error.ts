import { ErrorKind, HeraldError } from '../core/errors/herald-error';

export enum PreferencesErrorReason {
  UserNotFound = 'USER_NOT_FOUND',
  CriticalType = 'CRITICAL_TYPE',
  InvalidReminderSchedule = 'INVALID_REMINDER_SCHEDULE',
}

/** What the preferences module refuses, and why. */
export class PreferencesError extends HeraldError {
  static userNotFound(id: string) {
    return new PreferencesError(ErrorKind.NotFound, PreferencesErrorReason.UserNotFound, `User ${id} does not exist`, { id });
  }

  static criticalType(types: string[]) {
    return new PreferencesError(ErrorKind.BadUserInput, PreferencesErrorReason.CriticalType, `${types.join(', ')} cannot be turned off: they tell of a change to the booking`, {
      fields: [{ field: 'types', problems: types.map((type) => `${type} cannot be turned off`) }],
    });
  }

  static invalidReminderSchedule(problems: string[]) {
    return new PreferencesError(ErrorKind.BadUserInput, PreferencesErrorReason.InvalidReminderSchedule, `reminderSchedule: ${problems.join('; ')}`, {
      fields: [{ field: 'reminderSchedule', problems }],
    });
  }
}
