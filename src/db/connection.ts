import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface Database {
  /** For reads and for single-statement writes. */
  db: Db;
  /**
   * Runs `fn` as one write transaction. Transactions are serialised inside the process
   * (an await inside `fn` cannot let another request's writes interleave) and BEGIN IMMEDIATE
   * takes the write lock up front, so a second process waits on busy_timeout instead of
   * failing half-way with SQLITE_BUSY.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Answers when the database does; used by /healthz. */
  ping(): boolean;
  /** Calls `listener` after every transaction with its timing, for the metrics. */
  observeTransactions(listener: (timing: TransactionTiming) => void): void;
  close(): void;
  readonly sqlite: BetterSqlite3.Database;
}

/** Seconds spent queued behind other transactions, then holding the write lock. */
export interface TransactionTiming {
  waitSeconds: number;
  holdSeconds: number;
  committed: boolean;
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** `DATABASE_URL` forms: a file path, `file:path`, or `:memory:`. */
export function sqlitePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

export interface OpenOptions {
  /** Called with the text of every statement run; tests count statements with it. */
  onStatement?: (sql: string) => void;
}

export function openDatabase(url: string, options: OpenOptions = {}): Database {
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(path, options.onStatement ? { verbose: (sql) => options.onStatement?.(String(sql)) } : {});
  // The busy timeout first: on a new file, switching to WAL waits for another process's locks.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  applyMigrations(sqlite);
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });

  const listeners: ((timing: TransactionTiming) => void)[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const transaction = <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const queued = performance.now();
    const run = async (): Promise<T> => {
      const started = performance.now();
      let committed = false;
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(db);
        sqlite.exec('COMMIT');
        committed = true;
        return result;
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw error;
      } finally {
        const ended = performance.now();
        const timing = { waitSeconds: (started - queued) / 1000, holdSeconds: (ended - started) / 1000, committed };
        for (const listener of listeners) listener(timing);
      }
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    db,
    transaction,
    sqlite,
    ping: () => sqlite.prepare('SELECT 1 AS ok').get() !== undefined,
    observeTransactions: (listener) => void listeners.push(listener),
    close: () => sqlite.close(),
  };
}

/**
 * Table-rebuild migrations drop and recreate tables; with foreign keys on, that would fire
 * ON DELETE actions against child rows. Keys stay off while migrating and are checked after.
 */
function applyMigrations(sqlite: BetterSqlite3.Database): void {
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(drizzle(sqlite), { migrationsFolder });
  } catch {
    // drizzle reads which migrations are applied before it takes the write lock, so a second
    // worker starting on a new file with the first can replay migrations the first has just
    // committed ("table ... already exists"). Its attempt rolled back whole; a second pass sees
    // what is applied now. A migration that is really broken fails again, and that is thrown.
    migrate(drizzle(sqlite), { migrationsFolder });
  }
  const violations = sqlite.pragma('foreign_key_check') as unknown[];
  if (violations.length > 0) {
    throw new Error(`migration left ${violations.length} foreign key violation(s): ${JSON.stringify(violations.slice(0, 5))}`);
  }
}
