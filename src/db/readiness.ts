import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { migrationsFolder } from './connection.js';

export interface MigrationState {
  /** Migrations the code ships (drizzle/meta/_journal.json). */
  expected: number;
  /** Of those, how many the database records as applied. */
  applied: number;
  /** Tags of the shipped migrations the database has not applied. */
  pending: string[];
}

interface Journal {
  entries: { tag: string; when: number }[];
}

let journal: Journal | undefined;

/**
 * drizzle's migrator records each applied migration with `created_at` = the journal entry's
 * `when`, so an entry without its row is a migration this database has not seen.
 */
export function migrationState(sqlite: BetterSqlite3.Database): MigrationState {
  journal ??= JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  const rows = table ? (sqlite.prepare('SELECT created_at FROM __drizzle_migrations').all() as { created_at: number | string }[]) : [];
  const applied = new Set(rows.map((r) => Number(r.created_at)));
  const pending = journal.entries.filter((e) => !applied.has(e.when)).map((e) => e.tag);
  return { expected: journal.entries.length, applied: journal.entries.length - pending.length, pending };
}
