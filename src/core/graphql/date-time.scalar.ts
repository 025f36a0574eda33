import { CustomScalar, Scalar } from '@nestjs/graphql';
import { GraphQLError, Kind, print, ValueNode } from 'graphql';
import { DateTime } from 'luxon';

/** Date, time and an explicit offset: an instant no server time zone can shift. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const EXPECTED = 'DateTime must be an ISO 8601 date and time with an offset or Z, e.g. 2031-01-10T09:00:00Z';

function toInstant(value: unknown, shown: string, nodes?: ValueNode): Date {
  if (typeof value === 'string' && ISO_INSTANT.test(value)) {
    const parsed = DateTime.fromISO(value, { setZone: true });
    if (parsed.isValid) return parsed.toJSDate();
  }
  // BAD_USER_INPUT travels with an inline literal; Apollo labels it a validation failure, formatError restores it.
  throw new GraphQLError(`${EXPECTED}; got ${shown}`, { nodes, extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_DATE_TIME' } });
}

/**
 * Replaces NestJS's GraphQLISODateTime (same name, same output), which reads any value `new Date`
 * accepts: the number 12345 as 1970, and a time without an offset in the server's own zone.
 */
@Scalar('DateTime', () => Date)
export class StrictDateTimeScalar implements CustomScalar<string | null, Date> {
  description = 'An instant as an ISO 8601 date and time with an offset or Z, such as 2031-01-10T09:00:00Z; always returned in UTC.';

  parseValue(value: unknown): Date {
    return toInstant(value, JSON.stringify(value) ?? String(value));
  }

  parseLiteral(ast: ValueNode): Date {
    return toInstant(ast.kind === Kind.STRING ? ast.value : undefined, print(ast), ast);
  }

  serialize(value: unknown): string | null {
    return value instanceof Date ? value.toISOString() : null;
  }
}
