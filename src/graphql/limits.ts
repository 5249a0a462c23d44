import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { markLimitRejection } from './errors.js';

/**
 * Per-operation limits. The heaviest query a frontend needs (a page of collections with cover
 * tracks and their first tracks, 7 levels deep) costs about 62,000 in graphql-armor's model
 * (objects 2, scalars 1, ×1.5 per level); the cost limit leaves four times that, while fifteen
 * aliased copies of it are refused. Page sizes are capped separately on every connection.
 */
export const OPERATION_LIMITS = {
  depth: 12,
  aliases: 15,
  directives: 10,
  tokens: 2000,
  cost: 250_000,
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
    costLimitPlugin({ maxCost: OPERATION_LIMITS.cost, ignoreIntrospection: true, onReject }),
  ];
  if (!options.fieldSuggestions) plugins.push(blockFieldSuggestionsPlugin());
  if (!options.introspection) {
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  }
  return plugins;
}
