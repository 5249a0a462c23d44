import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { EntryStore } from './entries.js';
import type * as schema from './schema-sqlite.js';

/**
 * The query builder the domain writes against. Every query is awaited, so the same code runs on
 * either backend; the SQLite table types stand for both dialects' tables (same names, same
 * columns; src/db/schema.ts binds the ones of the open backend).
 */
export type Db = BaseSQLiteDatabase<'async', unknown, typeof schema>;

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  /**
   * For reads outside a transaction. They see committed data only: on SQLite a second,
   * read-only connection (a WAL snapshot per statement), on PostgreSQL the pool.
   */
  db: Db;
  /**
   * Runs `fn` as one write transaction; every write goes through here. On SQLite transactions
   * are serialised inside the process (an await inside `fn` cannot let another request's
   * statements in) and BEGIN IMMEDIATE takes the write lock up front. On PostgreSQL they run
   * SERIALIZABLE and are retried when the server reports a serialization failure or deadlock,
   * so `fn` must not have effects outside the database.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Position bookkeeping of collection entries, the one place with dialect-specific SQL. */
  entries: EntryStore;
  /** Answers when the database does; used by /healthz. */
  ping(): Promise<boolean>;
  /** `created_at` of every migration the database records as applied (the journal's `when`). */
  appliedMigrations(): Promise<number[]>;
  /** Where this dialect's migrations live (drizzle/sqlite or drizzle/pg). */
  readonly migrationsFolder: string;
  /** Calls `listener` after every transaction with its timing, for the metrics. */
  observeTransactions(listener: (timing: TransactionTiming) => void): void;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Seconds spent queued behind other transactions, then holding the write lock. */
export interface TransactionTiming {
  waitSeconds: number;
  holdSeconds: number;
  committed: boolean;
}

export interface OpenOptions {
  /** Called with the text of every statement run; tests count statements with it. */
  onStatement?: (sql: string) => void;
  /** PostgreSQL: connections per process (`DATABASE_POOL_SIZE`, default 10). */
  poolSize?: number;
}

/** `postgres://` and `postgresql://` URLs open PostgreSQL; anything else is a SQLite path. */
export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite';
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (dialectOf(url) === 'postgres') {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(url, options);
  }
  const { openSqlite } = await import('./sqlite.js');
  return openSqlite(url, options);
}
