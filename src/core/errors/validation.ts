import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

const NULL_CHARACTER = '\u0000';
const NULL_CHARACTER_PROBLEM = 'must not contain the null character (U+0000)';

/** Where in `value` a string holds the null character, as `parent.field[index]` paths. */
function nullCharacterPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes(NULL_CHARACTER) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => nullCharacterPaths(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([key, item]) => nullCharacterPaths(item, path ? `${path}.${key}` : key));
  }
  return [];
}

/**
 * PostgreSQL text cannot hold U+0000: a string with one would fail in the database as an internal
 * error. Refused for every string of an input, naming its field like the validation rules do.
 */
function refuseNullCharacters(value: unknown, name = ''): void {
  const fields = nullCharacterPaths(value, typeof value === 'string' ? name : '');
  if (fields.length) throw new InputError(fields.map((field) => `${field}: ${NULL_CHARACTER_PROBLEM}`).join('; '), fields.map((field) => ({ field, problems: [NULL_CHARACTER_PROBLEM] })));
}

class InputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // GraphQL arguments reach pipes as 'body', like HTTP bodies; @Parent objects and the context do not.
    // The items of a list argument are checked one by one by validateInput, so each is reported on its own.
    if (metadata.type === 'body' && !Array.isArray(value)) refuseNullCharacters(value, metadata.data);
    return super.transform(value, metadata);
  }
}

/** Validates every GraphQL argument and input class; failures become BAD_USER_INPUT naming each field. */
export const inputValidationPipe = () => new InputValidationPipe({ ...VALIDATOR_OPTIONS, transform: true, exceptionFactory: toInputError });

/**
 * One plain object checked as `type` by the same rules as the pipe, for inputs the pipe does not
 * reach (the items of a list argument, rows of a file): the transformed instance, or an InputError.
 */
export async function validateInput<T extends object>(type: ClassConstructor<T>, plain: unknown): Promise<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw new InputError(`Expected an object with the fields of ${type.name}`);
  refuseNullCharacters(plain);
  const instance = plainToInstance(type, plain);
  const errors = await validate(instance, VALIDATOR_OPTIONS);
  if (errors.length) throw toInputError(errors);
  return instance;
}

/** The fields an input class accepts: those with a validation decorator, as whitelisting keeps them. */
export function inputFieldNames(type: ClassConstructor<object>): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).map((rule) => rule.propertyName))];
}
