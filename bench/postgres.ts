import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { pgMigrationsFolder } from '../src/db/postgres.js';

// The PostgreSQL side of the benchmark. Its data is not seeded a second time: the SQLite template
// (bench/seed.ts, the one seeding path) is copied row for row into a PostgreSQL template database
// whose schema the product's own migrations created, so both backends hold the same rows, ids and
// key hashes, and one World drives both. Each server start gets `CREATE DATABASE … TEMPLATE`.
// (The schema comes from the product's migrations through drizzle's migrator, as the product
// applies them; openDatabase itself cannot be used, since this process has already opened SQLite
// and a process binds one dialect.)

/** `BENCH_POSTGRES`: a server URL whose role may create and drop databases (PostgreSQL 13 or later). */
export const BENCH_POSTGRES = process.env.BENCH_POSTGRES || undefined;

/** What results.json records about the PostgreSQL part (never the credentials). */
export type PostgresInfo =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      server: string;
      version: string;
      /** the server settings that bear on the figures, as found */
      settings: Record<string, string>;
      poolSize: string;
      templateSeconds: number;
      templateRows: Record<string, number>;
    };

/** fsync and synchronous_commit: whether each commit waits for its WAL to reach the disk. */
const SETTINGS = ['fsync', 'synchronous_commit', 'shared_buffers', 'max_connections'];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Tables in an order where every table comes after the tables its foreign keys point at. */
async function tablesInKeyOrder(client: pg.Client): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
  ).rows.map((r) => r.name);
  const edges = (
    await client.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace`,
    )
  ).rows;
  const ordered: string[] = [];
  const visit = (table: string, path: string[]) => {
    if (ordered.includes(table)) return;
    if (path.includes(table)) throw new Error(`foreign key cycle: ${[...path, table].join(' → ')}`);
    for (const e of edges) if (e.child === table && e.parent !== table) visit(e.parent, [...path, table]);
    ordered.push(table);
  };
  for (const table of tables) visit(table, []);
  return ordered;
}

/** Copies every row of every table of the SQLite file into the migrated PostgreSQL database. */
async function copyRows(sqlitePath: string, client: pg.Client): Promise<Record<string, number>> {
  const sqlite = new BetterSqlite3(sqlitePath, { readonly: true });
  const counts: Record<string, number> = {};
  try {
    await client.query('BEGIN');
    for (const table of await tablesInKeyOrder(client)) {
      const columns = (
        await client.query<{ name: string; type: string }>(
          `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
           WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
          [table],
        )
      ).rows;
      const sqliteColumns = (sqlite.pragma(`table_info(${ident(table)})`) as { name: string }[]).map((c) => c.name);
      const names = (xs: string[]) => [...xs].sort().join(', ');
      if (names(sqliteColumns) !== names(columns.map((c) => c.name))) {
        throw new Error(
          `${table}: SQLite columns (${names(sqliteColumns)}) differ from PostgreSQL's (${names(columns.map((c) => c.name))})`,
        );
      }
      // One statement per batch, a typed array per column: unnest turns them back into rows.
      const insert = `INSERT INTO ${ident(table)} (${columns.map((c) => ident(c.name)).join(', ')})
        SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
      const toPg = columns.map((c) =>
        c.type === 'boolean' ? (v: unknown) => (v === null ? null : v === 1) : (v: unknown) => v,
      );
      const select = sqlite
        .prepare(`SELECT ${columns.map((c) => ident(c.name)).join(', ')} FROM ${ident(table)}`)
        .raw();
      let batch: unknown[][] = columns.map(() => []);
      let n = 0;
      const flush = async () => {
        if (batch[0]!.length > 0) await client.query(insert, batch);
        batch = columns.map(() => []);
      };
      for (const row of select.iterate() as Iterable<unknown[]>) {
        row.forEach((v, i) => {
          batch[i]!.push(toPg[i]!(v));
        });
        if (++n % 5000 === 0) await flush();
      }
      await flush();
      counts[table] = n;
      // Rows came with their `seq`; the sequences behind those columns continue after them.
      for (const c of columns) {
        const sequence = (
          await client.query<{ s: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS s', [table, c.name])
        ).rows[0]?.s;
        if (sequence)
          await client.query(
            `SELECT setval($1, COALESCE((SELECT max(${ident(c.name)}) FROM ${ident(table)}), 0) + 1, false)`,
            [sequence],
          );
      }
    }
    await client.query('COMMIT');
  } finally {
    sqlite.close();
  }
  return counts;
}

/** A template database on the server and the fresh copies made from it. */
export class PgDatabases {
  private readonly prefix = `bench_${process.pid}_${Date.now().toString(36)}`;
  private readonly template = `${this.prefix}_template`;
  private readonly made = new Set<string>();
  private copies = 0;

  private constructor(readonly serverUrl: string) {}

  /** Builds the template from the SQLite template; `info` says what was built and how long it took. */
  static async create(
    serverUrl: string,
    sqliteTemplate: string,
  ): Promise<{ databases: PgDatabases; info: PostgresInfo }> {
    const databases = new PgDatabases(serverUrl);
    try {
      return { databases, info: await databases.build(sqliteTemplate) };
    } catch (error) {
      await databases.dropAll();
      throw error;
    }
  }

  private async build(sqliteTemplate: string): Promise<PostgresInfo> {
    const started = performance.now();
    this.made.add(this.template);
    const { version, settings } = await withClient(this.serverUrl, async (client) => {
      await client.query(`CREATE DATABASE ${ident(this.template)}`);
      const setting = async (name: string) =>
        (await client.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v;
      const settings: Record<string, string> = {};
      for (const name of SETTINGS) settings[name] = await setting(name);
      return { version: await setting('server_version'), settings };
    });
    const url = databaseUrl(this.serverUrl, this.template);
    const templateRows = await withClient(url, async (client) => {
      await migrate(drizzle(client), { migrationsFolder: pgMigrationsFolder });
      const counts = await copyRows(sqliteTemplate, client);
      // A database in service has been vacuumed and analysed by autovacuum; a freshly loaded one
      // has neither statistics nor a visibility map, and would be planned and scanned unlike one.
      await client.query('VACUUM ANALYZE');
      return counts;
    });
    const server = new URL(this.serverUrl);
    return {
      enabled: true,
      server: `${server.hostname}:${server.port || 5432}`,
      version,
      settings,
      poolSize: process.env.DATABASE_POOL_SIZE ?? '10 (default)',
      templateSeconds: (performance.now() - started) / 1000,
      templateRows,
    };
  }

  /** A new database holding the template's rows; its URL. */
  async fresh(): Promise<string> {
    const name = `${this.prefix}_${this.copies++}`;
    await withClient(this.serverUrl, (client) =>
      client.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(this.template)}`),
    );
    this.made.add(name);
    return databaseUrl(this.serverUrl, name);
  }

  /** Transactions committed and rolled back in a database, complete once its servers have stopped. */
  async transactions(url: string): Promise<{ commits: number; rollbacks: number }> {
    const name = new URL(url).pathname.slice(1);
    return withClient(this.serverUrl, async (client) => {
      const row = (
        await client.query<{ commits: string; rollbacks: string }>(
          'SELECT xact_commit AS commits, xact_rollback AS rollbacks FROM pg_stat_database WHERE datname = $1',
          [name],
        )
      ).rows[0];
      return { commits: Number(row?.commits ?? NaN), rollbacks: Number(row?.rollbacks ?? NaN) };
    });
  }

  /** Drops a database `fresh` made (its servers stopped first). */
  async drop(url: string): Promise<void> {
    const name = new URL(url).pathname.slice(1);
    await withClient(this.serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
    this.made.delete(name);
  }

  /** Drops every database this run made, the template included; safe after a failure. */
  async dropAll(): Promise<void> {
    await withClient(this.serverUrl, async (client) => {
      for (const name of this.made) await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    });
    this.made.clear();
  }
}
