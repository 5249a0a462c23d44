import { defineTables, sqliteKinds } from './tables.js';

// SQLite's tables (drizzle.config.ts reads them to write drizzle/sqlite).
export const sqliteTables = defineTables(sqliteKinds);
export const { organizations, users, memberships, apiKeys, tracks, collections, collectionEntries, shareLinks, librarySaves, auditLog } =
  sqliteTables;
