import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { defineBudgetTables } from './budget-tables.js';
import { defineTables, type Kinds } from './tables.js';

// PostgreSQL's tables (drizzle.pg.config.ts reads them to write drizzle/pg): the same definition
// built from PostgreSQL's column kinds. Each kind takes the same arguments as SQLite's and builds
// a column of the same value type, so the tables are typed as SQLite's (the one cast: drizzle has
// no type for "a table of either dialect").
const pgKinds = {
  table: pgTable,
  text,
  ms: (name: string) => bigint(name, { mode: 'number' }),
  int: (name: string) => integer(name),
  bool: (name: string) => boolean(name),
  real: (name: string) => doublePrecision(name),
  seq: (name: string) => bigserial(name, { mode: 'number' }).primaryKey(),
  index,
  uniqueIndex,
  primaryKey,
} as unknown as Kinds;

export const pgTables = defineTables(pgKinds);
export const {
  organizations,
  users,
  memberships,
  apiKeys,
  tracks,
  collections,
  collectionEntries,
  shareLinks,
  librarySaves,
  auditLog,
} = pgTables;
// The shared cost buckets, read only by src/db/budget.ts.
export const { costBuckets } = defineBudgetTables(pgKinds);
