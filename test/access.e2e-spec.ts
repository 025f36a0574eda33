import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isObjectType,
  isAbstractType,
} from 'graphql';
import type { AccessRule } from '../src/auth/access.decorators';
import { Role } from '../src/auth/role';
import { Persona, PERSONAS, startTestApp, TestApp } from './support/test-app';

type RootKind = 'query' | 'mutation' | 'subscription';

/** A literal of the argument's type, good enough to pass GraphQL validation. */
function sampleLiteral(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sampleLiteral(type.ofType);
  if (isListType(type)) return `[${sampleLiteral(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return `{ ${required.map((field) => `${field.name}: ${sampleLiteral(field.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return '1';
      case 'Float':
        return '1.5';
      case 'Boolean':
        return 'true';
      case 'ID':
        return '"00000000-0000-4000-8000-000000000000"';
      case 'DateTime':
        return '"2031-01-01T10:00:00.000Z"';
      default:
        return '"x"';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

function operationFor(kind: RootKind, field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((arg: GraphQLArgument) => isNonNullType(arg.type));
  const argList = args.length ? `(${args.map((arg) => `${arg.name}: ${sampleLiteral(arg.type)}`).join(', ')})` : '';
  const returned = getNamedType(field.type);
  const selection = isObjectType(returned) || isAbstractType(returned) ? ' { __typename }' : '';
  return `${kind} { ${field.name}${argList}${selection} }`;
}

function rootFields(schema: GraphQLSchema): { kind: RootKind; field: GraphQLField<unknown, unknown> }[] {
  const roots: [RootKind, ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => (type ? Object.values(type.getFields()).map((field) => ({ kind, field })) : []));
}

const ruleOf = (field: GraphQLField<unknown, unknown>) => (field.extensions as { access?: AccessRule }).access;

describe('access rules on every operation', () => {
  let herald: TestApp;
  let fields: ReturnType<typeof rootFields>;

  beforeAll(async () => {
    herald = await startTestApp();
    fields = rootFields(herald.app.get(GraphQLSchemaHost).schema);
  });
  afterAll(() => herald.close());

  it('finds operations of every kind in the schema', () => {
    const kinds = new Set(fields.map(({ kind }) => kind));
    expect([...kinds].sort()).toEqual(['mutation', 'query', 'subscription']);
  });

  it('every Query, Mutation and Subscription field declares who may call it', () => {
    const missing = fields.filter(({ field }) => !ruleOf(field)).map(({ kind, field }) => `${kind}.${field.name}`);
    expect(missing).toEqual([]);
  });

  it('nothing is public except what is meant to be', () => {
    const publicFields = fields.filter(({ field }) => ruleOf(field) && 'public' in ruleOf(field)!).map(({ field }) => field.name);
    expect(publicFields).toEqual([]);
  });

  const run = (kind: RootKind, operation: string, token?: string) =>
    kind === 'subscription'
      ? herald.subscribe(operation, {}, token).then(async (subscription) => {
          const result = await subscription.next(5000);
          await subscription.close();
          return result;
        })
      : herald.gql(operation, {}, token);

  it('refuses callers without a token with UNAUTHENTICATED', async () => {
    for (const { kind, field } of fields) {
      const result = await run(kind, operationFor(kind, field));
      expect({ field: field.name, code: result.errors?.[0]?.extensions?.code }).toEqual({ field: field.name, code: 'UNAUTHENTICATED' });
    }
  });

  it('refuses a forged token with UNAUTHENTICATED', async () => {
    const forged = herald.tokens.customer.slice(0, -4) + 'AAAA';
    const result = await herald.gql('query { me { id } }', {}, forged);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses every role the rule does not name with FORBIDDEN', async () => {
    let checked = 0;
    for (const { kind, field } of fields) {
      const rule = ruleOf(field)!;
      if ('public' in rule) continue;
      const outsiders = (Object.keys(PERSONAS) as Persona[]).filter(
        (persona) => !PERSONAS[persona].roles.some((role) => role === Role.admin || rule.roles.includes(role)),
      );
      for (const persona of outsiders) {
        const result = await run(kind, operationFor(kind, field), herald.tokens[persona]);
        expect({ field: field.name, persona, code: result.errors?.[0]?.extensions?.code }).toEqual({ field: field.name, persona, code: 'FORBIDDEN' });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
