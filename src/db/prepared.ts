import { sql } from 'drizzle-orm';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from './connection.js';
import { postgresSql, sqliteSql, type DialectSql } from './dialect-sql.js';

// Drizzle builds a query's SQL text on every call, and on SQLite that costs more than executing a
// keyed lookup (bench/drizzle-cost.ts). These two layers remove the cost without a second way of
// writing queries: the domain still writes drizzle queries, once.

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

/**
 * A query built once per keeping connection and run with each call's values. `build` must only
 * hand its parameters to the query builder (never branch on them): the first build sees
 * placeholders, not values. Elsewhere (a PostgreSQL transaction's client) it is built per call.
 * Lookups by a unique key leave out `.limit(1)`: drizzle binds the limit as a parameter, and SQLite
 * runs such a statement about 10 µs slower than the same one without it (bench/drizzle-cost.ts).
 */
export function statement<P extends Record<string, unknown>, R>(
  build: (db: Db, params: P, dialect: DialectSql) => Preparable & PromiseLike<R>,
): (db: Db, params: P) => Promise<R> {
  const prepared = new WeakMap<object, ReturnType<Preparable['prepare']>>();
  return async (db, params) => {
    // Only SQLite's connections are kept; every other one is PostgreSQL's (node-postgres, PGlite).
    if (!keepers.has(db)) return await build(db, params, postgresSql);
    let query = prepared.get(db);
    if (query === undefined) {
      query = build(db, placeholders as P, sqliteSql).prepare();
      prepared.set(db, query);
    }
    return (await query.execute(params)) as R;
  };
}

/**
 * A better-sqlite3 client for drizzle that keeps the statements it prepares, by SQL text, so a
 * statement drizzle builds again (raw SQL, lists of varying length) skips SQLite's parse and plan.
 * Bounded, least recently used first out.
 */
export function keepingClient(connection: BetterSqlite3.Database, size = 500): BetterSqlite3.Database {
  const kept = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let statement = kept.get(source);
    if (statement !== undefined) {
      kept.delete(source);
      // drizzle switches a statement to raw rows for some calls and expects objects for others.
      if (statement.reader) statement.raw(false);
    } else {
      statement = connection.prepare(source);
      if (kept.size >= size) kept.delete(kept.keys().next().value!);
    }
    kept.set(source, statement);
    return statement;
  };
  return { prepare, transaction: connection.transaction.bind(connection) } as unknown as BetterSqlite3.Database;
}
