import { sql, type SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Tables } from './tables.js';

/**
 * The query builder the store writes against. Typed as SQLite's, like the tables (tables.ts);
 * on PostgreSQL it is node-postgres's or PGlite's drizzle instance, whose builders have the same
 * methods and write PostgreSQL's SQL.
 */
export type Db = BaseSQLiteDatabase<'async', unknown>;

/** The row locks writes take (PostgreSQL's names); docs/postgresql.md says which write takes which. */
export type LockStrength = 'no key update' | 'share';

/**
 * What differs between the dialects below the store: their tables, how a raw statement is run,
 * how a select locks the rows it returns, and the little SQL they write differently, expanding a
 * JSON array (sent as one parameter, so a statement's text does not depend on a list's length)
 * into rows.
 */
export interface SqlDialect {
  readonly tables: Tables;
  all<T>(db: Db, query: SQL): Promise<T[]>;
  run(db: Db, query: SQL): Promise<void>;
  /**
   * The select, locking the rows it returns until the transaction ends (`FOR …` on PostgreSQL).
   * SQLite has no row locks: its write transaction already excludes every other writer.
   */
  lock<Q>(select: Q, strength: LockStrength): Q;
  /** Whether `lock` locks anything, so a statement run only for its locks can be left out. */
  readonly locksRows: boolean;
  /**
   * One row per element of the JSON array, in column `value` (an element as JSON). `count`, the
   * array's length, tells PostgreSQL's planner how many rows to expect: it guesses 100 for a JSON
   * array, and a join with 100 rows plans as a scan of the whole table where one index lookup
   * per element is what a short list needs.
   */
  jsonArray(json: unknown, count: number): SQL;
  /** The same with the element's zero-based index in column `i`. */
  jsonRowsWithIndex(json: unknown): SQL;
  /** One row per string of a JSON array of strings, in column `value` as text: a list of ids. */
  textList(json: unknown): SQL;
}

export type JsonSql = Pick<SqlDialect, 'jsonArray' | 'jsonRowsWithIndex' | 'textList'>;

/** PostgreSQL's selects (typed here as SQLite's, see Db) take a locking clause. */
export const postgresLock = <Q>(select: Q, strength: LockStrength): Q =>
  (select as unknown as { for(strength: LockStrength): Q }).for(strength);

export const sqliteJson: JsonSql = {
  jsonArray: (json) => sql`(SELECT value FROM json_each(${json}))`,
  jsonRowsWithIndex: (json) => sql`(SELECT key AS i, value FROM json_each(${json}))`,
  // json_each already yields a string element as text.
  textList: (json) => sql`(SELECT value FROM json_each(${json}))`,
};

export const postgresJson: JsonSql = {
  jsonArray: (json, count) =>
    sql`(SELECT value FROM jsonb_array_elements(CAST(${json} AS jsonb)) AS value LIMIT ${count})`,
  jsonRowsWithIndex: (json) =>
    sql`(SELECT CAST(i AS INTEGER) - 1 AS i, value FROM jsonb_array_elements(CAST(${json} AS jsonb)) WITH ORDINALITY AS r(value, i))`,
  textList: (json) => sql`(SELECT jsonb_array_elements_text(CAST(${json} AS jsonb)) AS value)`,
};
