import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { openSqlite, sqliteMigrationsFolder } from '../src/db/sqlite.js';
import { createApiKey } from '../src/domain/admin.js';
import { rest } from './helpers.js';
import { appTables, backend } from './support/backend.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(backend !== 'sqlite')('SQLite migrations', () => {
  it('build every table on an empty file, with WAL, foreign keys and a busy timeout', async () => {
    dir = mkdtempSync(join(tmpdir(), 'music-gateway-mig-'));
    const path = join(dir, 'nested', 'music.db');
    const db = openSqlite(path);
    const tables = db.sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
      )
      .all()
      .map((r: any) => r.name);
    expect(tables).toEqual(appTables);
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
    raw
      .prepare("INSERT INTO api_keys (id, user_id, key_hash, created_at) VALUES ('key_orphan', 'usr_missing', 'h', 0)")
      .run();
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
    raw
      .prepare("INSERT INTO api_keys (id, user_id, key_hash, created_at) VALUES ('key_orphan', 'usr_missing', 'h', 0)")
      .run();
    raw.close();
    const reopened = openSqlite(path);
    expect(await reopened.appliedMigrations()).toHaveLength(
      readdirSync(sqliteMigrationsFolder).filter((f) => f.endsWith('.sql')).length,
    );
    await reopened.close();
  });

  describe('a database made by an earlier release keeps its data and gets only the newer migrations', () => {
    const journal = JSON.parse(readFileSync(join(sqliteMigrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
      entries: { tag: string; when: number }[];
    };
    const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

    // The migrations as released before their files moved from drizzle/ to drizzle/sqlite/
    // (2f4f79e): journal entries, and each file's SHA-256, which drizzle records when it applies
    // it. A database knows its migrations by `when`; a released entry or file must never change.
    const released = [
      {
        tag: '0000_init',
        when: 1795374181092,
        sha256: '3cd776573594a30e75ee6c759f477e8b3e200f6594458fdaf4b2e08f3b92c4b7',
      },
      {
        tag: '0001_audit_log_append_only',
        when: 1795374181643,
        sha256: '6d80209589641fcd136fd22eb9f27088b204b393260161f62d9af3dfecf39649',
      },
      {
        tag: '0002_share_links',
        when: 1795375009805,
        sha256: 'be92a555831d55792a3972207316b4f1c2b73d91a25541783e1c44c0a5832c98',
      },
    ];
    const releasedUpTo = (lastTag: string) => released.slice(0, released.findIndex((r) => r.tag === lastTag) + 1);

    it('are still shipped as released', () => {
      expect(journal.entries.slice(0, released.length).map((e) => [e.tag, e.when])).toEqual(
        released.map((r) => [r.tag, r.when]),
      );
      for (const r of released) expect(sha256(join(sqliteMigrationsFolder, `${r.tag}.sql`)), r.tag).toBe(r.sha256);
    });

    /**
     * A database as a release whose last migration was `lastTag` left it: that release's journal
     * (pinned above) and files in a folder of their own, applied by drizzle's migrator, then data
     * written with plain SQL against that release's tables.
     */
    function oldReleaseDatabase(path: string, lastTag: string, ids: Record<string, string>): void {
      const shipped = releasedUpTo(lastTag);
      const folder = join(dir, 'old-drizzle');
      mkdirSync(join(folder, 'meta'), { recursive: true });
      const entries = shipped.map((r, idx) => ({ idx, version: '6', when: r.when, tag: r.tag, breakpoints: true }));
      writeFileSync(
        join(folder, 'meta', '_journal.json'),
        JSON.stringify({ version: '7', dialect: 'sqlite', entries }),
      );
      for (const r of shipped) {
        copyFileSync(join(sqliteMigrationsFolder, `${r.tag}.sql`), join(folder, `${r.tag}.sql`));
        expect(sha256(join(folder, `${r.tag}.sql`)), r.tag).toBe(r.sha256);
      }
      const sqlite = new BetterSqlite3(path);
      sqlite.pragma('journal_mode = WAL');
      migrate(drizzle(sqlite), { migrationsFolder: folder });
      const { org, user, first, second, collection } = ids;
      sqlite.exec(`
        INSERT INTO organizations (id, name, created_at) VALUES ('${org}', 'Old Studio', 1000);
        INSERT INTO users (id, email, name, created_at) VALUES ('${user}', 'old@example.com', 'Old User', 1000);
        INSERT INTO memberships (organization_id, user_id, capabilities, created_at)
          VALUES ('${org}', '${user}', '["USE_MUSIC_GENERATION"]', 1000);
        INSERT INTO tracks (id, organization_id, creator_id, title, created_at, updated_at)
          VALUES ('${first}', '${org}', '${user}', 'First', 1000, 1000), ('${second}', '${org}', '${user}', 'Second', 1001, 1001);
        INSERT INTO library_saves (id, user_id, track_id, organization_id, source, created_at)
          VALUES ('mlib_old1', '${user}', '${first}', '${org}', 'own', 1000), ('mlib_old2', '${user}', '${second}', '${org}', 'own', 1001);
        INSERT INTO collections (id, organization_id, owner_id, name, track_count, version, created_at, updated_at)
          VALUES ('${collection}', '${org}', '${user}', 'Kept', 2, 3, 1002, 1003);
        INSERT INTO collection_entries (collection_id, track_id, position, added_at)
          VALUES ('${collection}', '${second}', 0, 1003), ('${collection}', '${first}', 1, 1003);
        INSERT INTO audit_log (actor_id, organization_id, action, target_id, trace_id, created_at)
          VALUES ('${user}', '${org}', 'collection.create', '${collection}', 'req_old', 1002);
      `);
      sqlite.close();
    }

    for (const lastTag of ['0001_audit_log_append_only', '0002_share_links']) {
      it(`from the release whose last migration was ${lastTag}`, async () => {
        dir = mkdtempSync(join(tmpdir(), 'music-gateway-mig-'));
        const path = join(dir, 'music.db');
        const ids = {
          org: 'org_old',
          user: 'usr_old',
          first: 'mtrack_old1',
          second: 'mtrack_old2',
          collection: 'mcoll_old',
        };
        oldReleaseDatabase(path, lastTag, ids);
        const readApplied = () => {
          const raw = new BetterSqlite3(path, { readonly: true });
          try {
            return raw.prepare('SELECT id, hash, created_at FROM __drizzle_migrations ORDER BY id').all() as {
              id: number;
              hash: string;
              created_at: number;
            }[];
          } finally {
            raw.close();
          }
        };
        const before = readApplied();

        // What a server of the current code does on start; "table already exists" would throw here.
        const database = await openDatabase(path);
        try {
          const after = readApplied();
          // The old rows as they were, then one per newer migration, each file's hash as shipped.
          expect(after.slice(0, before.length)).toEqual(before);
          expect(after.map((r) => [r.hash, Number(r.created_at)])).toEqual(
            journal.entries.map((e) => [sha256(join(sqliteMigrationsFolder, `${e.tag}.sql`)), e.when]),
          );
          expect(before).toHaveLength(releasedUpTo(lastTag).length);
          expect(after).toHaveLength(journal.entries.length);

          // The old data, read and extended through the API of this release.
          const app = createApp({ database });
          const deps = { database, now: Date.now, traceId: 'req_test', origin: 'http://x' };
          const { key } = await createApiKey(deps, { userId: ids.user });
          const base = `/v1/music/${ids.org}`;
          const tracks = await rest(app, 'GET', `${base}/collections/${ids.collection}/tracks`, { key });
          expect(tracks.status).toBe(200);
          expect(
            tracks.body.items.map((i: { track_id: string; position: number }) => [i.track_id, i.position]),
          ).toEqual([
            [ids.second, 0],
            [ids.first, 1],
          ]);
          expect(tracks.headers.get('etag')).toBe('"3"');
          const third = await rest(app, 'POST', `${base}/tracks`, { key, body: { title: 'Third' } });
          expect(third.status).toBe(201);
          const added = await rest(app, 'POST', `${base}/collections/${ids.collection}/tracks`, {
            key,
            body: { track_id: third.body.id },
            headers: { 'if-match': '"3"' },
          });
          expect(added.status).toBe(200);
          const collection = await rest(app, 'GET', `${base}/collections/${ids.collection}`, { key });
          expect(collection.body).toMatchObject({ name: 'Kept', track_count: 3 });
          expect(collection.headers.get('etag')).toBe('"4"');
          // Share links (0002) work on a database that got that migration late.
          const share = await rest(app, 'POST', `${base}/tracks/${ids.first}/share`, { key, body: {} });
          expect(share.status).toBe(201);
          const track = await rest(app, 'GET', `${base}/tracks/${ids.first}`, { key });
          expect(track.body).toMatchObject({ id: ids.first, title: 'First' });
        } finally {
          await database.close();
        }
        const raw = new BetterSqlite3(path, { readonly: true });
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(raw.pragma('foreign_key_check')).toEqual([]);
        expect(raw.prepare("SELECT action, target_id FROM audit_log WHERE trace_id = 'req_old'").all()).toEqual([
          { action: 'collection.create', target_id: ids.collection },
        ]);
        raw.close();
      });
    }
  });
});
