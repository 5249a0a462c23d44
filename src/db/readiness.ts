import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './connection.js';

export interface MigrationState {
  /** Migrations the code ships (meta/_journal.json of the backend's migrations folder). */
  expected: number;
  /** Of those, how many the database records as applied. */
  applied: number;
  /** Tags of the shipped migrations the database has not applied. */
  pending: string[];
}

interface Journal {
  entries: { tag: string; when: number }[];
}

const journals = new Map<string, Journal>();

/**
 * drizzle's migrator records each applied migration with `created_at` = the journal entry's
 * `when`, so an entry without its row is a migration this database has not seen.
 */
export async function migrationState(database: Database): Promise<MigrationState> {
  const folder = database.migrationsFolder;
  let journal = journals.get(folder);
  if (!journal) {
    journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
    journals.set(folder, journal);
  }
  const applied = new Set(await database.appliedMigrations());
  const pending = journal.entries.filter((e) => !applied.has(e.when)).map((e) => e.tag);
  return { expected: journal.entries.length, applied: journal.entries.length - pending.length, pending };
}
