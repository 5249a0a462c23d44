import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { openDatabase, type Database, type OpenOptions } from '../../src/db/connection.js';
import {
  openPostgres,
  pgMigrationsFolder,
  postgresDatabase,
  statementLogger,
  withoutNul,
  type PostgresDatabase,
} from '../../src/db/postgres.js';
import { tracedQuery } from '../../src/db/traced.js';

// Which backend the suite runs against: TEST_DATABASE unset or `sqlite` (a SQLite file per test),
// `pglite` (PostgreSQL compiled to WebAssembly, in-process; no server), or a postgres:// URL of a
// server where the suite may create and drop databases (a fresh one per test).

export type Backend = 'sqlite' | 'pglite' | 'postgres';
const setting = process.env.TEST_DATABASE || 'sqlite';
export const backend: Backend = setting === 'sqlite' ? 'sqlite' : setting === 'pglite' ? 'pglite' : 'postgres';
if (backend === 'postgres' && !/^postgres(ql)?:\/\//.test(setting)) {
  throw new Error(`TEST_DATABASE must be sqlite, pglite or a postgres:// URL, got "${setting}"`);
}

export interface TestDatabase {
  database: Database;
  /** Closes the database (if the test has not) and discards what it holds. */
  release(): Promise<void>;
}

export function openTestDatabase(options: OpenOptions = {}): Promise<TestDatabase> {
  if (backend === 'pglite') return openPglite(options);
  if (backend === 'postgres') return openServerDatabase(options);
  return openSqliteFile(options);
}

async function openSqliteFile(options: OpenOptions): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'music-gateway-test-'));
  const database = await openDatabase(join(dir, 'music.db'), options);
  return {
    database,
    release: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// PGlite takes seconds to start and a fraction of one to reset, so instances are reused: a
// released one gets an empty, freshly migrated schema and serves the next test in this process.
const idle: PGlite[] = [];

async function openPglite(options: OpenOptions): Promise<TestDatabase> {
  let instance = idle.pop();
  if (!instance) {
    instance = await PGlite.create();
    await migratePglite(drizzlePglite(instance), { migrationsFolder: pgMigrationsFolder });
  }
  const engine = instance;
  // Closing the test's database refuses every later statement, as a closed pool does, while the
  // engine itself stays up for the next test.
  let closed = false;
  // Statement values lose their NULs as on a server (withoutNul), inside transactions too, and
  // statements are traced as on a server when the test traces.
  const { traceStatement } = options;
  const strip = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(inner, property) {
        const value: unknown = Reflect.get(inner, property, inner);
        if (typeof value !== 'function') return value;
        if (property === 'query') {
          const query = (text: unknown, values?: unknown, options?: unknown) =>
            value.call(inner, text, withoutNul(values), options);
          return traceStatement ? tracedQuery(query as (...args: unknown[]) => unknown, traceStatement) : query;
        }
        if (property === 'transaction')
          return (fn: (tx: object) => unknown) => value.call(inner, (tx: object) => fn(strip(tx)));
        return value.bind(inner);
      },
    });
  const stripped = strip(engine);
  const client = new Proxy(stripped, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        closed ? Promise.reject(new Error('the database is closed')) : value.apply(target, args);
    },
  });
  const database = postgresDatabase(drizzlePglite(client, { logger: statementLogger(options) }), async () => {
    closed = true;
  });
  return {
    database,
    release: async () => {
      closed = true;
      await engine.exec('DROP SCHEMA public CASCADE; DROP SCHEMA drizzle CASCADE; CREATE SCHEMA public;');
      await migratePglite(drizzlePglite(engine), { migrationsFolder: pgMigrationsFolder });
      idle.push(engine);
    },
  };
}

let serial = 0;

async function onServer(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: setting });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** A new, empty database on the TEST_DATABASE server: its URL, and how to drop it. */
export async function serverDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mg_test_${process.pid}_${++serial}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(setting);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function openServerDatabase(options: OpenOptions): Promise<TestDatabase> {
  const { url, drop } = await serverDatabaseUrl();
  const database = await openPostgres(url, { ...options, poolSize: 4 });
  return {
    database,
    release: async () => {
      await database.close();
      await drop();
    },
  };
}

/**
 * Runs one statement written with `?` placeholders and returns its rows (none for a write).
 * Tests read and plant rows with it; the SQL must be valid on both backends.
 */
export async function runSql(database: Database, text: string, params: unknown[]): Promise<any[]> {
  if (database.dialect === 'sqlite') {
    const statement = (database as import('../../src/db/sqlite.js').SqliteDatabase).sqlite.prepare(text);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.all(...params);
  }
  const parts = text.split('?');
  if (parts.length !== params.length + 1)
    throw new Error(`${params.length} parameters for ${parts.length - 1} placeholders`);
  const chunks: SQL[] = [sql.raw(parts[0]!)];
  params.forEach((param, i) => {
    chunks.push(sql`${param}`, sql.raw(parts[i + 1]!));
  });
  try {
    const result = await (database as PostgresDatabase).execute(sql.join(chunks));
    // node-postgres hands bigint (counts, milliseconds) back as strings; SQLite and PGlite as numbers.
    const bigints = (result.fields ?? []).filter((f) => f.dataTypeID === 20).map((f) => f.name);
    for (const row of result.rows)
      for (const name of bigints) if (typeof row[name] === 'string') row[name] = Number(row[name]);
    return result.rows as any[];
  } catch (error) {
    // The driver's own error (with PostgreSQL's message), not drizzle's "Failed query" wrapper.
    throw (error as { cause?: unknown }).cause ?? error;
  }
}

/** Every table the migrations create, by name (drizzle's own bookkeeping aside). */
export const appTables = [
  'api_keys',
  'audit_log',
  'collection_entries',
  'collections',
  'cost_buckets',
  'library_saves',
  'memberships',
  'organizations',
  'share_links',
  'tracks',
  'users',
];

/** The table where drizzle records applied migrations. */
export const migrationsTable = backend === 'sqlite' ? '__drizzle_migrations' : 'drizzle.__drizzle_migrations';

/** The names of the gateway's tables (not drizzle's), sorted. */
export async function tableNames(database: Database): Promise<string[]> {
  const found =
    database.dialect === 'sqlite'
      ? await runSql(
          database,
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'",
          [],
        )
      : await runSql(
          database,
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
          [],
        );
  return found.map((r) => r.name as string).sort();
}
