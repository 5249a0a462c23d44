import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import type { ServerContext } from './yoga.js';

/**
 * Records the organization an operation is about, for the request's log line. Every org-scoped
 * field takes an `organizationId` argument at the top level, REST routes included (they run as
 * GraphQL with variables), so the first one found names the organization.
 */
export const useRequestFacts: Plugin<GraphQLContext, ServerContext> = {
  onExecute({ args }) {
    const facts = (args.contextValue as GraphQLContext).deps.facts;
    if (!facts || facts.organizationId) return;
    const document = args.document as DocumentNode;
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
    );
    const variables = args.variableValues as Record<string, unknown> | null | undefined;
    for (const selection of operation?.selectionSet.selections ?? []) {
      if (selection.kind !== Kind.FIELD) continue;
      const arg = selection.arguments?.find((a) => a.name.value === 'organizationId');
      const value =
        arg?.value.kind === Kind.STRING
          ? arg.value.value
          : arg?.value.kind === Kind.VARIABLE
            ? variables?.[arg.value.name.value]
            : undefined;
      if (typeof value === 'string') {
        facts.organizationId = value;
        return;
      }
    }
  },
};
