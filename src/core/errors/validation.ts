import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate, ValidatorOptions } from 'class-validator';
import { FieldProblem, InputError } from './herald-error';

/** Undecorated fields are refused, not silently dropped. */
const VALIDATOR_OPTIONS: ValidatorOptions = { whitelist: true, forbidNonWhitelisted: true };

const flatten = (errors: ValidationError[], parent = ''): FieldProblem[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });

function toInputError(errors: ValidationError[]): InputError {
  const fields = flatten(errors);
  return new InputError(fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; '), fields);
}

/** Validates every GraphQL input class; failures become BAD_USER_INPUT naming each field. */
export const inputValidationPipe = () =>
  new ValidationPipe({ ...VALIDATOR_OPTIONS, transform: true, exceptionFactory: toInputError });

/**
 * One plain object checked as `type` by the same rules as the pipe, for inputs the pipe does not
 * reach (the items of a list argument, rows of a file): the transformed instance, or an InputError.
 */
export async function validateInput<T extends object>(type: ClassConstructor<T>, plain: unknown): Promise<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new InputError(`Expected an object with the fields of ${type.name}`);
  const instance = plainToInstance(type, plain);
  const errors = await validate(instance, VALIDATOR_OPTIONS);
  if (errors.length) throw toInputError(errors);
  return instance;
}

/** The fields an input class accepts: those with a validation decorator, as whitelisting keeps them. */
export function inputFieldNames(type: ClassConstructor<object>): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).map((rule) => rule.propertyName))];
}
