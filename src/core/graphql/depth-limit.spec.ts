import { buildSchema, DocumentNode, FragmentDefinitionNode, Kind, parse, validate } from 'graphql';
import { depthLimit } from './depth-limit';

const schema = buildSchema(`
  type Node { id: ID!, child: Node }
  type Query { node: Node }
`);

const errorsFor = (query: string | DocumentNode, max: number) =>
  validate(schema, typeof query === 'string' ? parse(query) : query, [depthLimit(max)]).map((error) => error.message);

/**
 * `levels` fragments, each spreading the next `fanOut` times (under a field of its own when `nested`):
 * fanOut^levels paths lead to the last one.
 */
function fannedOut(levels: number, fanOut: number, nested: boolean): string {
  const fragments = Array.from({ length: levels }, (_, level) => {
    const spreads = Array.from({ length: fanOut }, (_, copy) => (nested ? `c${copy}: child { ...f${level + 1} }` : `...f${level + 1}`)).join(' ');
    return `fragment f${level} on Node { id ${spreads} }`;
  });
  return `query { node { ...f0 } } ${fragments.join(' ')} fragment f${levels} on Node { id }`;
}

/** The document, with a count of how often each fragment's body is read. */
function countingFragmentReads(query: string): { document: DocumentNode; reads: Map<string, number> } {
  const document = parse(query);
  const reads = new Map<string, number>();
  for (const definition of document.definitions.filter((node): node is FragmentDefinitionNode => node.kind === Kind.FRAGMENT_DEFINITION)) {
    const { selectionSet } = definition;
    Object.defineProperty(definition, 'selectionSet', {
      get: () => {
        reads.set(definition.name.value, (reads.get(definition.name.value) ?? 0) + 1);
        return selectionSet;
      },
    });
  }
  return { document, reads };
}

describe(depthLimit.name, () => {
  it('allows operations within the limit', () => {
    expect(errorsFor('{ node { child { id } } }', 3)).toEqual([]);
  });

  it('rejects deeper operations', () => {
    expect(errorsFor('{ node { child { child { id } } } }', 3)).toEqual(['Operation is 4 levels deep; the limit is 3']);
  });

  it('counts depth through fragments, and survives fragment cycles', () => {
    const viaFragment = 'query { node { ...deep } } fragment deep on Node { child { child { id } } }';
    expect(errorsFor(viaFragment, 3)).toHaveLength(1);
    const cyclic = 'query { node { ...a } } fragment a on Node { child { ...a } }';
    expect(() => errorsFor(cyclic, 5)).not.toThrow();
  });

  it('works out each fragment once, however often it is spread', () => {
    const { document, reads } = countingFragmentReads(fannedOut(10, 2, true));
    expect(errorsFor(document, 50)).toEqual([]);
    // Once by graphql's walk over the document, once by the rule: not once per path (2^10 for the last).
    expect(Math.max(...reads.values())).toBeLessThanOrEqual(2);
  });

  it('measures fan-out 2 over 30 levels, a billion paths, without walking them', () => {
    expect(errorsFor(fannedOut(30, 2, true), 8)).toEqual(['Operation is 32 levels deep; the limit is 8']);
    expect(errorsFor(fannedOut(30, 2, false), 8)).toEqual([]);
  });
});
