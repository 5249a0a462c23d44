import type { Dialect } from './connection.js';
import * as pg from './schema-pg.js';
import * as sqlite from './schema-sqlite.js';

// The tables the domain queries, bound to the backend this process opened. The domain is typed
// against the SQLite definitions; the PostgreSQL ones have the same names and columns, so one
// query builder call produces the right SQL on either. A process talks to one backend.

export let organizations = sqlite.organizations;
export let users = sqlite.users;
export let memberships = sqlite.memberships;
export let apiKeys = sqlite.apiKeys;
export let tracks = sqlite.tracks;
export let collections = sqlite.collections;
export let collectionEntries = sqlite.collectionEntries;
export let librarySaves = sqlite.librarySaves;
export let shareLinks = sqlite.shareLinks;
export let auditLog = sqlite.auditLog;

let bound: Dialect | undefined;

/** Called when a database opens; opening the other backend in the same process is refused. */
export function bindTables(dialect: Dialect): void {
  if (bound === dialect) return;
  if (bound !== undefined) throw new Error(`this process already uses ${bound}; it cannot open a ${dialect} database too`);
  bound = dialect;
  if (dialect === 'sqlite') return;
  const t = pg as unknown as typeof sqlite;
  organizations = t.organizations;
  users = t.users;
  memberships = t.memberships;
  apiKeys = t.apiKeys;
  tracks = t.tracks;
  collections = t.collections;
  collectionEntries = t.collectionEntries;
  librarySaves = t.librarySaves;
  shareLinks = t.shareLinks;
  auditLog = t.auditLog;
}
