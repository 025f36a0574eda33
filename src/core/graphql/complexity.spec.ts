import { buildSchema, GraphQLError, parse } from 'graphql';
import { ASSUMED_LIST_SIZE, assertOperationCost, operationCost } from './complexity';

const schema = buildSchema(`
  input PageInput { first: Int! = 20, after: String }
  type PageInfo { endCursor: String, hasNextPage: Boolean! }
  type Item { id: ID!, tags: [String!]!, parts: [Item!]! }
  type ItemConnection { nodes: [Item!]!, pageInfo: PageInfo!, totalCount: Int! }
  type Query { items(page: PageInput): ItemConnection!, item: Item }
`);

const costOf = (query: string, variables?: Record<string, unknown>) => operationCost({ schema, document: parse(query), variables });

const thrown = (run: () => unknown): GraphQLError => {
  try {
    run();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('nothing was thrown');
};

describe(operationCost.name, () => {
  it('counts an object as 1 and a scalar as a tenth', () => {
    expect(costOf('{ item { id } }')).toBe(2); // 1.1, rounded up
    expect(costOf('{ item { id } other: item { id } }')).toBe(3); // 2.2
  });

  it('multiplies a page by its `first`, from the document, the variables or the default', () => {
    expect(costOf('{ items(page: { first: 100 }) { nodes { id } } }')).toBe(111); // 1 + 100 × 1.1
    expect(costOf('query($page: PageInput) { items(page: $page) { nodes { id } } }', { page: { first: 50 } })).toBe(56); // 1 + 50 × 1.1
    expect(costOf('{ items { nodes { id } } }')).toBe(23); // 1 + 20 × 1.1
  });

  it('counts a list without a page argument as ASSUMED_LIST_SIZE long', () => {
    expect(ASSUMED_LIST_SIZE).toBe(5);
    expect(costOf('{ item { parts { id } } }')).toBe(7); // 1 + 5 × 1.1, rounded up
    expect(costOf('{ items(page: { first: 10 }) { nodes { parts { id } } } }')).toBe(66); // 1 + 10 × (1 + 5 × 1.1)
  });

  it('refuses a document too large to estimate with BAD_USER_INPUT, not a bare error', () => {
    const fragments = Array.from({ length: 30 }, (_, level) => `fragment f${level} on Item { ...f${level + 1} ...f${level + 1} }`);
    const fannedOut = `{ item { ...f0 } } ${fragments.join(' ')} fragment f30 on Item { id }`;
    expect(thrown(() => costOf(fannedOut)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_LARGE' });
  });
});

describe(assertOperationCost.name, () => {
  it('refuses an operation over the limit with BAD_USER_INPUT', () => {
    const document = parse('{ items(page: { first: 100 }) { nodes { id } } }');
    expect(() => assertOperationCost({ schema, document }, 111)).not.toThrow();
    expect(thrown(() => assertOperationCost({ schema, document }, 110))).toMatchObject({
      message: 'Operation complexity 111 exceeds the limit of 110',
      extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' },
    });
  });
});
