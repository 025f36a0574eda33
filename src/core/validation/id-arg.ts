import { Injectable, PipeTransform } from '@nestjs/common';
import { Args, ID } from '@nestjs/graphql';
import { isUUID } from 'class-validator';
import { InputError } from '../errors/herald-error';

@Injectable()
class UuidPipe implements PipeTransform<unknown, string | undefined> {
  constructor(
    private readonly name: string,
    private readonly nullable: boolean,
  ) {}

  transform(value: unknown): string | undefined {
    if (this.nullable && (value === undefined || value === null)) return undefined;
    if (!isUUID(value)) throw new InputError(`${this.name} must be a UUID`, [{ field: this.name, problems: ['must be a UUID'] }]);
    return value as string;
  }
}

/** An `ID` argument that must be a UUID, rejected as BAD_USER_INPUT before it reaches Postgres. */
export const IdArg = (name = 'id', options: { nullable?: boolean } = {}) =>
  Args(name, { type: () => ID, nullable: options.nullable ?? false }, new UuidPipe(name, options.nullable ?? false));
