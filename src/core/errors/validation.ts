import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, InputError } from './herald-error';

const flatten = (errors: ValidationError[], parent = ''): FieldProblem[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });

/** Validates every GraphQL input class; failures become BAD_USER_INPUT naming each field. */
export const inputValidationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new InputError(fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; '), fields);
    },
  });
