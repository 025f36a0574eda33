import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

const SCHEMA_FILE = join(__dirname, '..', 'schema.graphql');
const HEADER = '# Generated from the code by `npm run schema:print`. Do not edit by hand.\n\n';

describe('schema.graphql', () => {
  let herald: TestApp;

  beforeAll(async () => {
    herald = await startTestApp();
  });
  afterAll(() => herald.close());

  it('matches the schema the code builds', () => {
    const built = HEADER + printSchema(herald.app.get(GraphQLSchemaHost).schema) + '\n';
    if (process.env.HERALD_WRITE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, built);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    // When this fails, run `npm run schema:print`, review the diff and commit schema.graphql.
    expect(committed).toBe(built);
  });
});
