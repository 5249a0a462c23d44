import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { markLimitRejection } from './errors.js';

/**
 * Per-operation limits on the document's shape, checked while it is parsed and validated. What an
 * operation costs to run is the cost model's (src/domain/cost.ts, src/graphql/cost.ts), computed
 * from the values it will run with; these bound the document itself, and with it the work of
 * costing it: the token limit caps its size, depth and aliases how far fragments can fan out.
 */
export const OPERATION_LIMITS = {
  depth: 12,
  aliases: 15,
  directives: 10,
  tokens: 2000,
} as const;

export interface GraphQLSecurityOptions {
  /** Introspection (and GraphiQL) are on by default: the schema is public documentation. */
  introspection: boolean;
  /** "Did you mean …" suggestions leak schema details; shown only in development. */
  fieldSuggestions: boolean;
}

export function securityPlugins(options: GraphQLSecurityOptions): Plugin[] {
  // Each limit tags the error it throws, so the error mapping knows it for a limit's refusal.
  const onReject = [markLimitRejection];
  const plugins: Plugin[] = [
    // Browsers may send "simple" requests cross-site without a preflight; requiring a JSON
    // content type or this header for every operation shuts out form-posted CSRF.
    useCSRFPrevention({ requestHeaders: ['x-graphql-csrf', 'x-api-key', 'authorization'] }) as Plugin,
    maxTokensPlugin({ n: OPERATION_LIMITS.tokens, onReject }),
    maxDepthPlugin({ n: OPERATION_LIMITS.depth, ignoreIntrospection: true, flattenFragments: true, onReject }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.aliases, onReject }),
    maxDirectivesPlugin({ n: OPERATION_LIMITS.directives, onReject }),
  ];
  if (!options.fieldSuggestions) plugins.push(blockFieldSuggestionsPlugin());
  if (!options.introspection) {
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  }
  return plugins;
}
