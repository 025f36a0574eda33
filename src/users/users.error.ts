import { ErrorKind, HeraldError } from '../core/errors/herald-error';

export enum UserErrorReason {
  NotFound = 'USER_NOT_FOUND',
  EmailTaken = 'EMAIL_TAKEN',
  MissingRole = 'USER_LACKS_ROLE',
  FieldHidden = 'USER_FIELD_HIDDEN',
  NotProvider = 'POSTAL_CODES_FOR_PROVIDERS_ONLY',
}

export class UserError extends HeraldError {
  static notFound(id: string) {
    return new UserError(ErrorKind.NotFound, UserErrorReason.NotFound, `User ${id} does not exist`, { id });
  }

  static emailTaken(email: string) {
    return new UserError(ErrorKind.Conflict, UserErrorReason.EmailTaken, `A user with email ${email} already exists`, { email });
  }

  static missingRole(id: string, role: string) {
    return new UserError(ErrorKind.BadUserInput, UserErrorReason.MissingRole, `User ${id} is not a ${role}`, { id, role });
  }

  static fieldHidden(field: string, id: string) {
    return new UserError(ErrorKind.Forbidden, UserErrorReason.FieldHidden, `The ${field} of user ${id} is not yours to see`, { field });
  }

  static postalCodesForProvidersOnly(id: string) {
    return new UserError(ErrorKind.BadUserInput, UserErrorReason.NotProvider, `User ${id} is not a provider; only providers serve postal codes`, {
      id,
      fields: [{ field: 'postalCodes', problems: ['only providers serve postal codes'] }],
    });
  }
}
