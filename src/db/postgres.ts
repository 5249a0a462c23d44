import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Database, OpenOptions, TransactionTiming, Writes } from './database.js';
import { postgresJson, postgresLock, type Db, type SqlDialect } from './dialect-sql.js';
import { pgTables } from './pg-tables.js';
import { Store } from './store.js';
import { tracedQuery } from './traced.js';
import { fromPackageRoot } from '../package-root.js';

export const pgMigrationsFolder = fromPackageRoot('drizzle', 'pg');

/** Any session-level advisory lock key the gateway does not use for anything else. */
const MIGRATION_LOCK = 720_154_331;
export const DEFAULT_POOL_SIZE = 10;
const INT8 = 20;

/**
 * What the server may still abort a transaction with, whole, so that it can simply be run again:
 * serialization_failure and deadlock_detected. Write transactions run READ COMMITTED and lock the
 * rows they change in one order (src/db/database.ts, docs/postgresql.md), so neither is expected;
 * the retry is a safety net, and each one is counted (music_gateway_db_transaction_retries_total).
 */
const RETRYABLE = new Map([
  ['40001', 'serialization_failure'],
  ['40P01', 'deadlock'],
] as const);
const MAX_ATTEMPTS = 10;

export interface PostgresDatabase extends Database {
  readonly dialect: 'postgres';
  /** Runs one statement outside any transaction, for tests and tools that need PostgreSQL itself. */
  execute(query: SQL): Promise<{ rows: Record<string, unknown>[]; fields?: { name: string; dataTypeID: number }[] }>;
}

// biome-ignore lint/suspicious/noExplicitAny: drizzle's own "any PostgreSQL database" spelling; the query result types come from each statement.
type AnyPgDatabase = PgDatabase<any, any, any>;

const rows = async <T>(q: Db, query: SQL): Promise<T[]> =>
  ((await (q as unknown as AnyPgDatabase).execute(query)) as unknown as { rows: T[] }).rows;

const postgresDialect: SqlDialect = {
  tables: pgTables,
  all: rows,
  run: async (q, query) => void (await rows(q, query)),
  locksRows: true,
  lock: postgresLock,
  ...postgresJson,
};

/** The SQLSTATE of a driver error, through drizzle's wrapping. */
export function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold NUL: a bound value carrying one fails the whole statement, where
 * SQLite simply matches nothing. Stored text is refused with a NUL by validation (checkText), so
 * only lookups (an id from a path, a variable or a batch) ever carry one, and U+FFFD finds the
 * same nothing. Applied to every statement's values, so no input path can turn one into a 500.
 */
export function withoutNul<T>(values: T): T {
  if (!Array.isArray(values)) return values;
  return values.map((v: unknown) =>
    typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v,
  ) as T;
}

/** A PostgreSQL server (`postgres://` or `postgresql://` URL) through a node-postgres pool. */
export async function openPostgres(url: string, options: OpenOptions = {}): Promise<PostgresDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    // bigint columns hold milliseconds, counters and sequence numbers, far below 2^53: numbers,
    // as on SQLite, rather than node-postgres's strings.
    types: { getTypeParser: (oid, format) => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) as never },
  });
  // An idle connection the server drops (restart, failover) is discarded by the pool and the next
  // query opens a new one; without a listener the event would end the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    const bound = client.query.bind(client) as (...args: unknown[]) => unknown;
    const query = options.traceStatement ? tracedQuery(bound, options.traceStatement) : bound;
    client.query = ((config: unknown, values?: unknown, callback?: unknown) =>
      query(config, withoutNul(values), callback)) as typeof client.query;
  });
  try {
    // Several processes starting together migrate one at a time: the first applies what is
    // pending, the others then find nothing left to do. The lock is held by one connection.
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrateNodePg(drizzleNodePg(client), { migrationsFolder: pgMigrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = drizzleNodePg(pool, { logger: statementLogger(options) });
  return postgresDatabase(db, () => pool.end());
}

export function statementLogger(options: OpenOptions) {
  const { onStatement } = options;
  return onStatement ? { logQuery: (query: string) => onStatement(query) } : false;
}

/**
 * The PostgreSQL Database over a migrated drizzle instance: node-postgres here, PGlite in tests.
 * `end` releases the connections.
 */
export function postgresDatabase(instance: AnyPgDatabase, end: () => Promise<void>): PostgresDatabase {
  const read = new Store(instance as unknown as Db, postgresDialect);
  const listeners: ((timing: TransactionTiming) => void)[] = [];

  // READ COMMITTED, PostgreSQL's default: the transaction's row locks (Writes) order writes of the
  // same rows, so a transaction is never aborted for what a concurrent one did to other rows.
  const transaction = async <T>(fn: (tx: Writes) => Promise<T>): Promise<T> => {
    const queued = performance.now();
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let committed = false;
      let retried: TransactionTiming['retried'];
      try {
        const result = await instance.transaction((tx) => fn(new Store(tx as unknown as Db, postgresDialect)));
        committed = true;
        return result;
      } catch (error) {
        const state = sqlState(error);
        const reason = state === undefined ? undefined : RETRYABLE.get(state as never);
        if (attempt >= MAX_ATTEMPTS || reason === undefined) throw error;
        retried = reason;
      } finally {
        const ended = performance.now();
        const timing: TransactionTiming = {
          waitSeconds: (started - queued) / 1000,
          holdSeconds: (ended - started) / 1000,
          committed,
        };
        if (retried) timing.retried = retried;
        for (const listener of listeners) listener(timing);
      }
      await sleep(Math.random() * Math.min(200, 2 ** attempt * 2));
    }
  };

  const db = instance as unknown as Db;
  let closed: Promise<void> | undefined;
  return {
    dialect: 'postgres',
    read,
    transaction,
    execute: async (query) => (await instance.execute(query)) as never,
    migrationsFolder: pgMigrationsFolder,
    ping: async () => (await rows(db, sql`SELECT 1 AS ok`)).length === 1,
    appliedMigrations: async () => {
      const [table] = await rows<{ name: string | null }>(
        db,
        sql`SELECT to_regclass('drizzle.__drizzle_migrations') AS name`,
      );
      if (!table?.name) return [];
      return (
        await rows<{ created_at: string | number }>(db, sql`SELECT created_at FROM drizzle.__drizzle_migrations`)
      ).map((r) => Number(r.created_at));
    },
    observeTransactions: (listener) => void listeners.push(listener),
    close: () => (closed ??= end()),
  };
}
