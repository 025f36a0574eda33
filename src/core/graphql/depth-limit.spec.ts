import { buildSchema, parse, validate } from 'graphql';
import { depthLimit } from './depth-limit';

const schema = buildSchema(`
  type Node { id: ID!, child: Node }
  type Query { node: Node }
`);

const errorsFor = (query: string, max: number) => validate(schema, parse(query), [depthLimit(max)]).map((error) => error.message);

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
});
