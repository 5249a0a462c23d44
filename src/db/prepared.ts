import { getTableColumns, is, sql, SQL, type Table } from 'drizzle-orm';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db, SqlDialect } from './dialect-sql.js';
import type { Tables } from './tables.js';
import { tracedStatement, type StatementTracer } from './traced.js';

// Drizzle builds a query's SQL text on every call, and on SQLite that costs more than executing a
// keyed lookup (bench/drizzle-cost.ts). These two layers remove the cost without a second way of
// writing queries: the store still writes drizzle queries, once (src/db/store.ts).

/** Connections whose drizzle statements may be prepared once and kept: SQLite's two. */
const keepers = new WeakSet<object>();

export function keepStatementsOn(db: Db): Db {
  keepers.add(db);
  return db;
}

interface Preparable {
  prepare(): { execute(values: Record<string, unknown>): PromiseLike<unknown> | unknown };
}

// Any parameter read while building becomes a named placeholder, filled from the call's values;
// a value missing from a call makes drizzle throw rather than run with a hole.
const placeholders = new Proxy({} as Record<string, unknown>, {
  get: (_, name) => (typeof name === 'string' ? sql.placeholder(name) : undefined),
});

/** What a statement runs on: a connection (or a transaction's client) and its dialect. */
export interface Connection {
  readonly db: Db;
  readonly dialect: SqlDialect;
}

/**
 * A query built once per keeping connection and run with each call's values. `build` must only
 * hand its parameters to the query builder (never branch on them): the first build sees
 * placeholders, not values. Elsewhere (a PostgreSQL transaction's client) it is built per call.
 * Lookups by a unique key leave out `.limit(1)`: drizzle binds the limit as a parameter, and SQLite
 * runs such a statement about 10 µs slower than the same one without it (bench/drizzle-cost.ts).
 */
export function statement<P extends Record<string, unknown>, R>(
  build: (db: Db, t: Tables, params: P, dialect: SqlDialect) => Preparable & PromiseLike<R>,
): (on: Connection, params: P) => Promise<R> {
  const prepared = new WeakMap<object, ReturnType<Preparable['prepare']>>();
  return async ({ db, dialect }, params) => {
    if (!keepers.has(db)) return await build(db, dialect.tables, params, dialect);
    let query = prepared.get(db);
    if (query === undefined) {
      query = build(db, dialect.tables, placeholders as P, dialect).prepare();
      prepared.set(db, query);
    }
    return (await query.execute(params)) as R;
  };
}

interface Inserts {
  /** Columns the database does not number itself (a `seq`). */
  keys: string[];
  /** The value a column takes when an insert leaves it out: its constant default, or null. */
  defaults: Record<string, unknown>;
}

const inserts = new WeakMap<Table, Inserts>();

function insertsOf(table: Table): Inserts {
  let found = inserts.get(table);
  if (!found) {
    const keys: string[] = [];
    const defaults: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(getTableColumns(table))) {
      const generated = column.hasDefault && column.default === undefined && column.defaultFn === undefined;
      if (generated) continue;
      keys.push(key);
      if (column.default !== undefined && !is(column.default, SQL)) defaults[key] = column.default;
      else if (!column.notNull) defaults[key] = null;
    }
    found = { keys, defaults };
    inserts.set(table, found);
  }
  return found;
}

/**
 * An insert's values, one per column the table defines (read from `params`, so placeholders when
 * a statement is prepared): inserts list no columns by hand, and a new column needs no edit here.
 */
export function everyColumn<T extends Table>(table: T, params: Record<string, unknown>): T['$inferInsert'] {
  return Object.fromEntries(insertsOf(table).keys.map((key) => [key, params[key]])) as T['$inferInsert'];
}

/** The row an insert of `values` stores: the table's defaults, under the values given. */
export function withDefaults<T extends Table>(
  table: T,
  values: T['$inferInsert'],
): T['$inferSelect'] & Record<string, unknown> {
  const row: Record<string, unknown> = { ...insertsOf(table).defaults };
  for (const [key, value] of Object.entries(values)) if (value !== undefined) row[key] = value;
  return row as T['$inferSelect'];
}

/**
 * A better-sqlite3 client for drizzle that keeps the statements it prepares, by SQL text, so a
 * statement drizzle builds again (raw SQL, lists of varying length) skips SQLite's parse and plan.
 * Bounded, least recently used first out. With a tracer, every statement it hands out is traced.
 */
export function keepingClient(
  connection: BetterSqlite3.Database,
  trace?: StatementTracer,
  size = 500,
): BetterSqlite3.Database {
  const kept = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let statement = kept.get(source);
    if (statement !== undefined) {
      kept.delete(source);
      // drizzle switches a statement to raw rows for some calls and expects objects for others.
      if (statement.reader) statement.raw(false);
    } else {
      statement = connection.prepare(source);
      if (trace) statement = tracedStatement(statement, trace);
      if (kept.size >= size) kept.delete(kept.keys().next().value!);
    }
    kept.set(source, statement);
    return statement;
  };
  return { prepare, transaction: connection.transaction.bind(connection) } as unknown as BetterSqlite3.Database;
}
