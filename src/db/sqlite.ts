import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Database, OpenOptions, TransactionTiming, Writes } from './database.js';
import { sqliteJson, type Db, type SqlDialect } from './dialect-sql.js';
import { keepingClient, keepStatementsOn } from './prepared.js';
import { sqliteTables } from './sqlite-tables.js';
import { Store } from './store.js';
import { fromPackageRoot } from '../package-root.js';

export const sqliteMigrationsFolder = fromPackageRoot('drizzle', 'sqlite');

/** `DATABASE_URL` forms: a file path, `file:path`, or `:memory:`. */
export function sqlitePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

/** better-sqlite3's drizzle runs raw statements synchronously. */
interface SyncRunner {
  all(query: SQL): unknown[];
  run(query: SQL): unknown;
}

const sqliteDialect: SqlDialect = {
  tables: sqliteTables,
  all: async <T>(db: Db, query: SQL) => (db as unknown as SyncRunner).all(query) as T[],
  run: async (db, query) => void (db as unknown as SyncRunner).run(query),
  locksRows: false,
  lock: (select) => select,
  ...sqliteJson,
};

export interface SqliteDatabase extends Database {
  readonly dialect: 'sqlite';
  /** The write connection, for tests and tools that need SQLite itself. */
  readonly sqlite: BetterSqlite3.Database;
}

export function openSqlite(url: string, options: OpenOptions = {}): SqliteDatabase {
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const verbose = options.onStatement ? { verbose: (text: unknown) => options.onStatement?.(String(text)) } : {};
  const sqlite = new BetterSqlite3(path, verbose);
  // The busy timeout first: on a new file, switching to WAL waits for another process's locks.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  applyMigrations(sqlite);
  sqlite.pragma('foreign_keys = ON');
  const writer = new Store(
    keepStatementsOn(drizzle({ client: keepingClient(sqlite, options.traceStatement) }) as unknown as Db),
    sqliteDialect,
  );

  // Reads go through their own read-only connection, so a read can never see (or be part of) a
  // transaction another request has open on the write connection across an await. An in-memory
  // database cannot be opened twice; it has only the one connection.
  const reader = path === ':memory:' ? sqlite : new BetterSqlite3(path, { readonly: true, ...verbose });
  if (reader !== sqlite) reader.pragma('busy_timeout = 5000');
  const read =
    reader === sqlite
      ? writer
      : new Store(
          keepStatementsOn(drizzle({ client: keepingClient(reader, options.traceStatement) }) as unknown as Db),
          sqliteDialect,
        );

  const listeners: ((timing: TransactionTiming) => void)[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const transaction = <T>(fn: (tx: Writes) => Promise<T>): Promise<T> => {
    const queued = performance.now();
    const run = async (): Promise<T> => {
      const started = performance.now();
      let committed = false;
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(writer);
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

  let closed = false;
  return {
    dialect: 'sqlite',
    read,
    transaction,
    sqlite,
    migrationsFolder: sqliteMigrationsFolder,
    ping: async () => reader.prepare('SELECT 1 AS ok').get() !== undefined,
    appliedMigrations: async () => appliedMigrations(reader),
    observeTransactions: (listener) => void listeners.push(listener),
    close: async () => {
      if (closed) return;
      closed = true;
      // Queued transactions finish first; closing under one would fail it half-way.
      await queue;
      if (reader !== sqlite) reader.close();
      sqlite.close();
    },
  };
}

/**
 * Table-rebuild migrations drop and recreate tables; with foreign keys on, that would fire
 * ON DELETE actions against child rows. Keys stay off while migrating and are checked after.
 */
function applyMigrations(sqlite: BetterSqlite3.Database): void {
  const before = appliedMigrations(sqlite).length;
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(drizzle(sqlite), { migrationsFolder: sqliteMigrationsFolder });
  } catch {
    // drizzle reads which migrations are applied before it takes the write lock, so a second
    // worker starting on a new file with the first can replay migrations the first has just
    // committed ("table ... already exists"). Its attempt rolled back whole; a second pass sees
    // what is applied now. A migration that is really broken fails again, and that is thrown.
    migrate(drizzle(sqlite), { migrationsFolder: sqliteMigrationsFolder });
  }
  // The check reads every row holding a key; a start that applied nothing has nothing to check.
  if (appliedMigrations(sqlite).length === before) return;
  const violations = sqlite.pragma('foreign_key_check') as unknown[];
  if (violations.length > 0) {
    throw new Error(
      `migration left ${violations.length} foreign key violation(s): ${JSON.stringify(violations.slice(0, 5))}`,
    );
  }
}

/** `created_at` of every migration the file records as applied; none on a new file. */
function appliedMigrations(connection: BetterSqlite3.Database): number[] {
  const table = connection
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return [];
  return (
    connection.prepare('SELECT created_at FROM __drizzle_migrations').all() as { created_at: number | string }[]
  ).map((r) => Number(r.created_at));
}
