import type BetterSqlite3 from 'better-sqlite3';

/**
 * Called as a statement starts with its SQL text (placeholders, never values); the function it
 * returns is called once the statement has finished, with its error if it failed. For tracing:
 * given only when tracing is on, so statements run untouched otherwise.
 */
export type StatementTracer = (sql: string) => (error?: unknown) => void;

const RUNS = new Set(['run', 'get', 'all', 'iterate']);

/** A better-sqlite3 statement whose runs are traced; `raw()` keeps returning the traced one. */
export function tracedStatement(statement: BetterSqlite3.Statement, trace: StatementTracer): BetterSqlite3.Statement {
  const traced: BetterSqlite3.Statement = new Proxy(statement, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'raw' || property === 'pluck' || property === 'expand') {
        return (...args: unknown[]) => {
          value.apply(target, args);
          return traced;
        };
      }
      if (typeof property !== 'string' || !RUNS.has(property)) return value.bind(target);
      return (...args: unknown[]) => {
        const end = trace(target.source);
        try {
          const result: unknown = value.apply(target, args);
          end();
          return result;
        } catch (error) {
          end(error);
          throw error;
        }
      };
    },
  });
  return traced;
}

type Query = (...args: unknown[]) => unknown;

/** node-postgres's `client.query`, traced, whether called with a promise or a callback. */
export function tracedQuery(query: Query, trace: StatementTracer): Query {
  return (...args) => {
    const config = args[0];
    const end = trace(typeof config === 'string' ? config : String((config as { text?: unknown } | null)?.text ?? ''));
    let last = args.length - 1;
    while (last >= 0 && typeof args[last] !== 'function') last--;
    const callback = last >= 0 ? (args[last] as (...a: unknown[]) => unknown) : undefined;
    if (callback) {
      args[last] = (error: unknown, ...rest: unknown[]) => {
        end(error ?? undefined);
        return callback(error, ...rest);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.then(() => end(), end);
    else end();
    return result;
  };
}
