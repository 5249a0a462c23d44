import { defineBudgetTables } from './budget-tables.js';
import { defineTables, sqliteKinds } from './tables.js';

// SQLite's tables (drizzle.config.ts reads them to write drizzle/sqlite).
export const sqliteTables = defineTables(sqliteKinds);
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
} = sqliteTables;
// The shared cost buckets, read only by src/db/budget.ts.
export const { costBuckets } = defineBudgetTables(sqliteKinds);
