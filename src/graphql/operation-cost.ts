import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../domain/errors.js';
import { MAX_VISITS, type CostModel } from './cost.js';
import { coerceVariables } from './execution.js';

/** A key's budget as the cost plugin sees it (src/http/cost-budget.ts implements it). */
export interface KeyBudget {
  readonly maximum: number;
  /** Synchronous when the points are at hand. */
  charge(keyHash: string, cost: number): BudgetState | Promise<BudgetState>;
  peek(keyHash: string): BudgetState;
}

export interface BudgetState {
  allowed: boolean;
  maximum: number;
  remaining: number;
  restorePerSecond: number;
  resetSeconds: number;
  retryAfterSeconds: number;
}

/** `extensions.cost` of a GraphQL response (documented in the schema description and docs/limits.md). */
export interface CostReport {
  /** What the operation costs, computed before it ran; null when it never got that far (it did not validate) or was too complex to cost. */
  requestedCost: number | null;
  /** The most one operation may cost. */
  limit: number;
  /** The key's budget after this operation; null when budgets are off or no key was sent. */
  budget: { maximum: number; remaining: number; restorePerSecond: number } | null;
}

/** What one HTTP request's operations were charged; the app turns it into headers. */
export interface Accounting {
  budget: KeyBudget | null;
  /** Headers for the response, whatever the surface (X-RateLimit-*, Retry-After). */
  headers: Record<string, string>;
  /** The report of the request's last operation. */
  cost?: CostReport;
  /** The summed cost of the request's operations (a Groove call runs two). */
  spent: number;
}

const budgetOf = (state: BudgetState): CostReport['budget'] => ({
  maximum: state.maximum,
  remaining: state.remaining,
  restorePerSecond: state.restorePerSecond,
});

/** The report of a response whose operation was never costed. */
export function uncosted(accounting: Accounting | undefined, keyHash: string | null, limit: number): CostReport {
  const state = accounting?.budget && keyHash ? accounting.budget.peek(keyHash) : null;
  return { requestedCost: null, limit, budget: state && budgetOf(state) };
}

/**
 * Costs every operation before it executes (the cost model in cost.ts), refuses one over the limit
 * with QUERY_LIMIT_EXCEEDED, then charges the key's budget and refuses with RATE_LIMIT_EXCEEDED
 * when it cannot pay. Runs after validation and before any resolver, on every path (onExecute);
 * an operation whose variables do not coerce is left to execution, which refuses it, uncharged.
 */
export function useOperationCost(model: CostModel, limit: number): Plugin {
  const account = (
    args: ExecutionArgs,
    setResultAndStopExecution: (result: ExecutionResult) => void,
  ): void | Promise<void> => {
    const coercion = coerceVariables(args);
    if (!coercion || coercion.errors) return;
    const { accounting, keyHash } = args.contextValue as { accounting?: Accounting; keyHash?: string | null };
    const result = model.cost(args.document, args.operationName, coercion.coerced);
    const report: CostReport = { requestedCost: result.cost, limit, budget: null };
    if (accounting) accounting.cost = report;
    if (!result.ok || result.cost > limit) {
      const why = result.ok
        ? `Operation cost ${result.cost} exceeds the limit of ${limit}`
        : `Operation is too complex to cost: it selects fields more than ${MAX_VISITS} times`;
      const error = new DomainError('QUERY_LIMIT_EXCEEDED', why, { cost: result.cost, limit });
      setResultAndStopExecution({ errors: [refusal(error, { spec: true, status: error.status })] });
      return;
    }
    if (accounting) {
      accounting.spent += result.cost;
      accounting.headers['x-request-cost'] = String(accounting.spent);
    }
    if (!accounting?.budget || !keyHash) return;
    // A charge waits only when the key's leased points run short; otherwise all of this is synchronous.
    const { headers } = accounting;
    const charged = (state: BudgetState) => {
      report.budget = budgetOf(state);
      headers['x-ratelimit-cost-limit'] = String(state.maximum);
      headers['x-ratelimit-cost-remaining'] = String(state.remaining);
      headers['x-ratelimit-cost-reset'] = String(state.resetSeconds);
      if (state.allowed) return;
      headers['retry-after'] = String(state.retryAfterSeconds);
      const error = new DomainError(
        'RATE_LIMIT_EXCEEDED',
        `Operation cost ${result.cost} exceeds the ${state.remaining} points left in this key's budget of ${state.maximum}`,
        { retry_after_seconds: state.retryAfterSeconds, cost: result.cost, budget_remaining: state.remaining },
      );
      setResultAndStopExecution({ errors: [refusal(error, { status: error.status })] });
    };
    const state = accounting.budget.charge(keyHash, result.cost);
    return state instanceof Promise ? state.then(charged) : charged(state);
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => account(args, setResultAndStopExecution),
    // A subscription is costed and charged once, when it starts, by the same rule as a query.
    onSubscribe: ({ args, setResultAndStopExecution }) => account(args, setResultAndStopExecution),
  };
}

const refusal = (error: DomainError, http: { spec?: boolean; status: number }) =>
  new GraphQLError(error.message, { originalError: error, extensions: { http } });
