import { setTimeout as sleep } from 'node:timers/promises';
import { getTableName, is, sql, type SQL } from 'drizzle-orm';
import { PgTable, type PgDatabase } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Database, OpenOptions, TransactionTiming, Writes } from './database.js';
import { postgresJson, type Db, type SqlDialect } from './dialect-sql.js';
import * as pgTables from './pg-tables.js';
import { Store } from './store.js';
import { tracedQuery } from './traced.js';
import { fromPackageRoot } from '../package-root.js';

export const pgMigrationsFolder = fromPackageRoot('drizzle', 'pg');

/** Any session-level advisory lock key the gateway does not use for anything else. */
const MIGRATION_LOCK = 720_154_331;
export const DEFAULT_POOL_SIZE = 10;
const INT8 = 20;

/** A write transaction that loses a serialization conflict is run again this many times at most. */
const MAX_ATTEMPTS = 25;
/**
 * serialization_failure and deadlock_detected: the transaction was rolled back whole and may simply
 * be run again. unique_violation too: under SERIALIZABLE, two transactions that both append at
 * `track_count` meet at the (collection_id, position) index, and PostgreSQL reports that conflict
 * as 23505 rather than 40001 (its documentation advises retrying unique-key failures for this
 * reason). A real duplicate fails the same way on every attempt, and is then thrown.
 */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
/**
 * A transaction that has lost this many attempts stops competing and runs alone among writers.
 * Without that, one that reads and writes more than the others (a track delete touches every
 * collection holding the track) can keep losing to a stream of short edits of those collections
 * until its attempts run out, and answer 500.
 */
const ALONE_AFTER = 5;
/**
 * Running alone: every table locked against writes (reads go on) until the transaction ends,
 * before its first query, so its snapshot already holds every writer it waited for and no other
 * writer can commit a conflicting change while it runs. Tables are taken in the order the domain's
 * transactions write them (the audit log last), so it never holds a table that a writer it waits
 * for still needs; a table not listed comes last, and a deadlock it then meets is retried.
 */
const WRITE_ORDER = [
  pgTables.organizations,
  pgTables.users,
  pgTables.memberships,
  pgTables.apiKeys,
  pgTables.tracks,
  pgTables.shareLinks,
  pgTables.librarySaves,
  pgTables.collectionEntries,
  pgTables.collections,
  pgTables.auditLog,
] as unknown as PgTable[];
const allTables = (Object.values(pgTables.pgTables) as unknown[]).filter((t): t is PgTable => is(t, PgTable));
const lockAll = sql.raw(
  `LOCK TABLE ${[...WRITE_ORDER, ...allTables.filter((t) => !WRITE_ORDER.includes(t))]
    .map((t) => `"${getTableName(t)}"`)
    .join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
);

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
  tables: pgTables.pgTables,
  all: rows,
  run: async (q, query) => void (await rows(q, query)),
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
  return values.map((v: unknown) => (typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v)) as T;
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
    client.query = ((config: unknown, values?: unknown, callback?: unknown) => query(config, withoutNul(values), callback)) as typeof client.query;
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

  // SERIALIZABLE: every write transaction behaves as if it ran alone, which is what the position
  // bookkeeping (and every read-then-write rule) assumes; PostgreSQL aborts the ones that could
  // not have, and they run again after a short, growing, random pause (alone after ALONE_AFTER).
  const transaction = async <T>(fn: (tx: Writes) => Promise<T>): Promise<T> => {
    const queued = performance.now();
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let committed = false;
      try {
        const result = await instance.transaction(
          async (tx) => {
            if (attempt > ALONE_AFTER) await tx.execute(lockAll);
            return fn(new Store(tx as unknown as Db, postgresDialect));
          },
          { isolationLevel: 'serializable' },
        );
        committed = true;
        return result;
      } catch (error) {
        const state = sqlState(error);
        if (attempt >= MAX_ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
      } finally {
        const ended = performance.now();
        const timing = { waitSeconds: (started - queued) / 1000, holdSeconds: (ended - started) / 1000, committed };
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
      const [table] = await rows<{ name: string | null }>(db, sql`SELECT to_regclass('drizzle.__drizzle_migrations') AS name`);
      if (!table?.name) return [];
      return (await rows<{ created_at: string | number }>(db, sql`SELECT created_at FROM drizzle.__drizzle_migrations`)).map((r) =>
        Number(r.created_at),
      );
    },
    observeTransactions: (listener) => void listeners.push(listener),
    close: () => (closed ??= end()),
  };
}
