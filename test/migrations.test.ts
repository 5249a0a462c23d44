import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { openSqlite, sqliteMigrationsFolder } from '../src/db/sqlite.js';
import { backend } from './support/backend.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(backend !== 'sqlite')('SQLite migrations', () => {
  it('build every table on an empty file, with WAL, foreign keys and a busy timeout', async () => {
    dir = mkdtempSync(join(tmpdir(), 'music-gateway-mig-'));
    const path = join(dir, 'nested', 'music.db');
    const db = openSqlite(path);
    const tables = db.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name")
      .all()
      .map((r: any) => r.name);
    expect(tables).toEqual([
      'api_keys',
      'audit_log',
      'collection_entries',
      'collections',
      'library_saves',
      'memberships',
      'organizations',
      'share_links',
      'tracks',
      'users',
    ]);
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    await db.close();
  });

  it('are applied once: reopening keeps data and records each migration a single time', async () => {
    dir = mkdtempSync(join(tmpdir(), 'music-gateway-mig-'));
    const path = join(dir, 'music.db');
    const first = openSqlite(path);
    first.sqlite.prepare("INSERT INTO organizations (id, name, created_at) VALUES ('org_keep', 'Keep', 0)").run();
    await first.close();
    const second = openSqlite(path);
    expect(second.sqlite.prepare('SELECT id FROM organizations').all()).toEqual([{ id: 'org_keep' }]);
    const applied = second.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    const files = readdirSync(new URL('../drizzle/sqlite', import.meta.url)).filter((f) => f.endsWith('.sql'));
    expect(applied.n).toBe(files.length);
    await second.close();
  });

  it('refuse to start when migrating leaves a broken foreign key', async () => {
    dir = mkdtempSync(join(tmpdir(), 'music-gateway-mig-'));
    const path = join(dir, 'music.db');
    // A database of the release before the newest migration, with an orphan key row in it.
    const older = join(dir, 'older');
    cpSync(sqliteMigrationsFolder, older, { recursive: true });
    const journalPath = join(older, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    journal.entries.pop();
    writeFileSync(journalPath, JSON.stringify(journal));
    const raw = new BetterSqlite3(path);
    migrate(drizzle(raw), { migrationsFolder: older });
    raw.pragma('foreign_keys = OFF');
    raw.prepare("INSERT INTO api_keys (id, user_id, key_hash, created_at) VALUES ('key_orphan', 'usr_missing', 'h', 0)").run();
    raw.close();
    expect(() => openSqlite(path)).toThrow(/foreign key violation/);
  });

  it('start without reading every key again when no migration applies', async () => {
    // The check costs a read of every row that holds a key (about 0.3 s per 200,000 rows here),
    // so it runs only after a start that migrated, which is when a table rebuild could break keys.
    dir = mkdtempSync(join(tmpdir(), 'music-gateway-mig-'));
    const path = join(dir, 'music.db');
    await openSqlite(path).close();
    const raw = new BetterSqlite3(path);
    raw.pragma('foreign_keys = OFF');
    raw.prepare("INSERT INTO api_keys (id, user_id, key_hash, created_at) VALUES ('key_orphan', 'usr_missing', 'h', 0)").run();
    raw.close();
    const reopened = openSqlite(path);
    expect(await reopened.appliedMigrations()).toHaveLength(readdirSync(sqliteMigrationsFolder).filter((f) => f.endsWith('.sql')).length);
    await reopened.close();
  });
});
