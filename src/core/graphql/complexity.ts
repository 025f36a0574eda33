import {
  DocumentNode,
  getNamedType,
  getNullableType,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLSchema,
  isIntrospectionType,
  isLeafType,
  isListType,
  isObjectType,
} from 'graphql';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { PageInfo, PageInput } from '../pagination/pagination';

/**
 * Costs in tenths, so sums stay exact: each object the response may hold costs 1, each scalar a
 * tenth (its object is already loaded).
 */
const OBJECT_COST = 10;
const SCALAR_COST = 1;
/** A list without a page argument (a booking's events, a template list) is counted this long. */
export const ASSUMED_LIST_SIZE = 5;
const PAGE_SIZE_DEFAULT = new PageInput().first;
/** Selections counted with every fragment spread out; past this graphql-query-complexity stops counting. */
const MAX_SPREAD_SELECTIONS = 10_000;
/** The error graphql-query-complexity throws past MAX_SPREAD_SELECTIONS (it has no code of its own). */
const TOO_MANY_SELECTIONS = 'Query exceeds the maximum allowed number of nodes.';

const isPaginated = (field: GraphQLField<unknown, unknown>) =>
  field.args.some((arg) => arg.name === 'page' && getNamedType(arg.type).name === PageInput.name);

/** A connection (`nodes`, `pageInfo`, `totalCount`): its page size is counted on the field that returns it. */
const isConnection = (type: GraphQLCompositeType) => isObjectType(type) && getNamedType(type.getFields().pageInfo?.type)?.name === PageInfo.name;

const isList = (field: GraphQLField<unknown, unknown>) => isListType(getNullableType(field.type));

/**
 * A field's cost: its own, plus its children's times the elements it may return. A paginated field
 * (`page: PageInput`) multiplies its children by `first`; other lists by ASSUMED_LIST_SIZE. The
 * schema's own lists (introspection) are as long as the schema and not multiplied.
 */
export const operationCostEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const own = isLeafType(getNamedType(field.type)) ? SCALAR_COST : OBJECT_COST;
  if (isPaginated(field)) return own + ((args.page as PageInput | undefined)?.first ?? PAGE_SIZE_DEFAULT) * childComplexity;
  if (isList(field) && !isConnection(type) && !isIntrospectionType(type)) return ASSUMED_LIST_SIZE * (own + childComplexity);
  return own + childComplexity;
};

export interface CostedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** The operation's estimated cost, in whole units (see operationCostEstimator). */
export function operationCost({ schema, document, operationName, variables }: CostedOperation): number {
  try {
    const tenths = getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? undefined,
      estimators: [operationCostEstimator],
      maxQueryNodes: MAX_SPREAD_SELECTIONS,
    });
    return Math.ceil(tenths / 10);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    if (error.message === TOO_MANY_SELECTIONS) {
      throw new GraphQLError(`Operation has more than ${MAX_SPREAD_SELECTIONS} selections once its fragments are spread`, {
        extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_LARGE', http: { status: 400 } },
      });
    }
    // Variables that do not coerce fail here first: the caller's mistake, a 400 like the same
    // mistake written inline, not the 500 Apollo gives an error thrown by a plugin.
    throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } } });
  }
}

/** Throws BAD_USER_INPUT when the operation's estimated cost exceeds `max`, or it is too large to estimate. */
export function assertOperationCost(operation: CostedOperation, max: number): void {
  const cost = operationCost(operation);
  if (cost > max) {
    throw new GraphQLError(`Operation complexity ${cost} exceeds the limit of ${max}`, {
      extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
    });
  }
}
