import { Context, IfTag, Output, Template, toValueSync, TypeGuards, UndefinedVariableError, UnlessTag, Value } from 'liquidjs';

/**
 * LiquidJS evaluates every value through half a dozen nested generators, about two microseconds
 * an output, and a message has dozens of outputs and conditions. The commonest values, a plain
 * variable (`booking.address`, `booking.startsAt | date`) in an output or an `if`/`unless`, are
 * swapped here for ones that read the variable at once, through LiquidJS's own lookup, filters
 * and errors. Anything else (operators, literals, computed keys, filter arguments) stays as
 * LiquidJS parsed it.
 */
export function evaluateDirectly(templates: readonly Template[]): void {
  for (const template of templates) {
    if (template instanceof Output) template.value = direct(template.value) ?? template.value;
    if (template instanceof IfTag || template instanceof UnlessTag) {
      for (const branch of template.branches) branch.value = direct(branch.value) ?? branch.value;
    }
    // Tags that hold templates (if, unless, for, capture, case…) name them for static analysis.
    const children = (template as Template).children;
    if (children) evaluateDirectly(toValueSync(children.call(template, false, true)));
  }
}

/** A plain variable through filters without arguments, read without generators. */
class DirectValue implements Pick<Value, 'filters' | 'initial'> {
  readonly filters: Value['filters'];
  readonly initial: Value['initial'];

  constructor(
    source: Value,
    private readonly path: string[],
  ) {
    this.filters = source.filters;
    this.initial = source.initial;
  }

  value(context: Context): unknown {
    let value: unknown;
    try {
      value = context.getSync(this.path);
    } catch (error) {
      // As LiquidJS words it, with the position of the variable.
      throw error instanceof Error && error.name === 'InternalUndefinedVariableError' ? new UndefinedVariableError(error, this.initial.postfix[0]) : error;
    }
    for (const filter of this.filters) value = toValueSync(filter.render(value, context));
    return value;
  }
}

function direct(value: Value): Value | null {
  const [token, ...rest] = value.initial.postfix;
  if (rest.length || !TypeGuards.isPropertyAccessToken(token) || token.variable) return null;
  if (value.filters.some((filter) => filter.args.length)) return null;
  const path: string[] = [];
  for (const prop of token.props) {
    if (!TypeGuards.isWordToken(prop) && !TypeGuards.isQuotedToken(prop)) return null;
    path.push(prop.content);
  }
  // Value's private members make it nominal; the tags only ever call value(), filters and initial.
  return new DirectValue(value, path) as unknown as Value;
}
