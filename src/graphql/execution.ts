import {
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { makeExecute, type Plugin } from 'graphql-yoga';

type Coercion = ReturnType<typeof getVariableValues>;
const coercions = new WeakMap<object, Coercion | null>();

/**
 * The operation's variables as execution will coerce them, computed once per execution for every
 * plugin that needs them (the cost model, the choice of executor); null when there is no operation.
 */
export function coerceVariables(
  args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>,
): Coercion | null {
  let coercion = coercions.get(args);
  if (coercion === undefined) {
    const operation = getOperationAST(args.document, args.operationName);
    coercion = operation
      ? getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 1 })
      : null;
    coercions.set(args, coercion);
  }
  return coercion;
}

/**
 * graphql-jit's compiled queries, once per document and operation. Documents come from yoga's
 * bounded parser cache or from the trusted documents, so holding them weakly bounds this too.
 */
export class CompiledQueries {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

  constructor(private readonly schema: GraphQLSchema) {}

  /** The compiled query, or null when graphql-jit cannot compile it (graphql-js then runs it). */
  get(document: DocumentNode, operationName?: string | null): CompiledQuery | null {
    let byName = this.byDocument.get(document);
    if (!byName) this.byDocument.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let compiled = byName.get(key);
    if (compiled === undefined) {
      const result = compileQuery(this.schema, document, operationName ?? undefined);
      compiled = isCompiledQuery(result) ? result : null;
      byName.set(key, compiled);
    }
    return compiled;
  }
}

/**
 * Operations run compiled when their variables coerce; others run on graphql-js, whose coercion
 * messages name the offending field (errors.ts reads them).
 */
export function useCompiledExecution(compiled: CompiledQueries): Plugin {
  const execute = makeExecute(
    (args) =>
      compiled
        .get(args.document, args.operationName)!
        .query(args.rootValue, args.contextValue, args.variableValues) as Promise<ExecutionResult>,
  );
  return {
    onExecute({ args, setExecuteFn }) {
      if (coerceVariables(args)?.errors === undefined && compiled.get(args.document, args.operationName))
        setExecuteFn(execute);
    },
  };
}
