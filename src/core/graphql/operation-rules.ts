import { NoSchemaIntrospectionCustomRule, ValidationRule } from 'graphql';
import { HeraldConfig } from '../config/herald-config';
import { depthLimit } from './depth-limit';

/**
 * The validation rules Herald adds to graphql's own, on HTTP and graphql-ws alike: the depth limit,
 * and no introspection unless the sandbox is on.
 */
export function operationRules(config: HeraldConfig): ValidationRule[] {
  return [depthLimit(config.GRAPHQL_MAX_DEPTH), ...(config.sandboxEnabled ? [] : [NoSchemaIntrospectionCustomRule])];
}
