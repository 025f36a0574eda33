import { GraphQLScalarType } from 'graphql';

/** Free-form JSON, output only: context a record carries (an alert's metadata) that has no fixed shape. */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'A JSON value',
  serialize: (value) => value,
  parseValue: () => {
    throw new TypeError('JSON is an output type only');
  },
  parseLiteral: () => {
    throw new TypeError('JSON is an output type only');
  },
});
