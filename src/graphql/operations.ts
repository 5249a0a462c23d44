import { getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Deps, OperationFact } from '../domain/deps.js';
import type { Tracing } from '../ops/tracing.js';
import type { GraphQLContext } from './context.js';
import type { ServerContext } from './yoga.js';

interface EnvelopContext {
  deps?: Deps;
  params?: { operationName?: string | null };
}

const operationOf = (document: DocumentNode, operationName: string | null | undefined) => {
  const operation = getOperationAST(document, operationName ?? undefined);
  return { name: operation?.name?.value, type: operation?.operation };
};

// The lean path hands a document it could not parse or validate to yoga, which parses and
// validates it again: one refusal per request and document, not two.
const refusalsSeen = new WeakMap<object, Set<string>>();

function refused(context: EnvelopContext, key: string, fact: Omit<OperationFact, 'outcome'>): void {
  const facts = context.deps?.facts;
  if (!facts) return;
  let seen = refusalsSeen.get(facts);
  if (!seen) refusalsSeen.set(facts, (seen = new Set()));
  if (seen.has(key)) return;
  seen.add(key);
  (facts.operations ??= []).push({ ...fact, outcome: 'rejected' });
}

/**
 * Records each operation of a /graphql request (name, type, outcome, execution time) for the
 * per-operation metrics, and with tracing runs its execution inside an operation span (REST and
 * Groove operations too: they run through this pipeline, but their metrics are their routes'). Placed
 * after graphql-jit, so the span wraps whichever execute function runs.
 */
export function useOperationObserver(tracing?: Tracing): Plugin<GraphQLContext, ServerContext> {
  return {
    onParse({ params, context }) {
      return ({ result }) => {
        if (result instanceof Error || result === null) {
          const ctx = context as EnvelopContext;
          refused(ctx, `${String(params.source)}\0${ctx.params?.operationName ?? ''}`, {
            name: undefined,
            type: undefined,
          });
        }
      };
    },
    onValidate({ params, context }) {
      return ({ valid }) => {
        if (valid) return;
        const ctx = context as EnvelopContext;
        const operationName = ctx.params?.operationName;
        refused(
          ctx,
          `${params.documentAST.loc?.source.body ?? ''}\0${operationName ?? ''}`,
          operationOf(params.documentAST, operationName),
        );
      };
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext & Pick<ServerContext, 'route'>;
      // A REST or Groove request is counted by its route: its operations are not series of their own.
      const facts = context.route ? undefined : context.deps.facts;
      const { name, type } = operationOf(args.document, args.operationName);
      const fact: OperationFact = { name, type, outcome: 'success' };
      if (facts) (facts.operations ??= []).push(fact);
      if (tracing && type)
        setExecuteFn((execution: ExecutionArgs) => tracing.operation(type, name, () => executeFn(execution)));
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          fact.seconds = (performance.now() - started) / 1000;
          if (!(Symbol.asyncIterator in result) && result.errors?.length) fact.outcome = 'error';
        },
      };
    },
  };
}
