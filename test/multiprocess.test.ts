import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshot } from '../scripts/crash/database.js';
import { root, seedDemo, startServer, type Demo, type ServerProcess } from '../scripts/crash/process.js';
import { openDatabase } from '../src/db/connection.js';
import { createApiKey } from '../src/domain/admin.js';
import { backend } from './support/backend.js';

// Two gateway processes (two workers) on one SQLite file. SQLite lets one writer in at a time
// across processes; the gateway must turn that into waiting, never into a SQLITE_BUSY (a 500) for
// a client, and two workers started together on a new file must both come up.

let dir: string;
let path: string;
let servers: ServerProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'music-gateway-multiprocess-'));
  path = join(dir, 'music.db');
});
afterEach(() => {
  for (const s of servers) s.child.kill('SIGKILL');
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

const CLIENTS_PER_SERVER = 4;
const OPS_PER_CLIENT = 60;

interface Outcome {
  label: string;
  status: number;
  body: any;
  etag: string | null;
}

/** Fresh keys, so each client's first request also makes the last-used write outside any transaction. */
async function extraKeys(userId: string, n: number): Promise<string[]> {
  const database = await openDatabase(path);
  try {
    const deps = { database, now: Date.now, traceId: 'req_test', origin: 'http://x' };
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push((await createApiKey(deps, { userId })).key);
    return keys;
  } finally {
    await database.close();
  }
}

async function hammer(url: string, key: string, demo: Demo, pool: string[], collections: string[], outcomes: Outcome[]) {
  const base = `${url}/v1/music/${demo.organization_id}`;
  const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
  const send = async (label: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + route, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const outcome: Outcome = { label, status: res.status, body: await res.json(), etag: res.headers.get('etag') };
    outcomes.push(outcome);
    return outcome;
  };
  for (let i = 0; i < OPS_PER_CLIENT; i++) {
    const c = pick(collections);
    const r = Math.random();
    if (r < 0.3) await send('add', 'POST', `/collections/${c}/tracks`, { track_id: pick(pool) });
    else if (r < 0.5) await send('remove', 'DELETE', `/collections/${c}/tracks/${pick(pool)}`);
    else if (r < 0.7) {
      const ids = [...pool].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * pool.length));
      await send('reorder', 'PATCH', `/collections/${c}/order`, { ordered_track_ids: ids });
    } else if (r < 0.8) {
      // A read-then-conditional-write: another writer in between makes it a 409, never a 5xx.
      const read = await send('read', 'GET', `/collections/${c}`);
      await send('reorder if-match', 'PATCH', `/collections/${c}/order`, { ordered_track_ids: [pick(pool)] }, { 'if-match': read.etag ?? '*' });
    } else if (r < 0.9) {
      const created = await send('create track', 'POST', '/tracks', { title: `t${i}` });
      if (created.status === 201) pool.push(created.body.id);
    } else if (r < 0.95) await send('delete track', 'DELETE', `/tracks/${pick(pool)}`);
    else await send('create collection', 'POST', '/collections', { name: `c${i}` });
  }
}

// What each kind of request may answer when other writers get in first.
const allowed: Record<string, number[]> = {
  add: [200, 404], // the track was deleted meanwhile
  remove: [200],
  reorder: [200],
  read: [200],
  'reorder if-match': [200, 409],
  'create track': [201],
  'delete track': [200, 404],
  'create collection': [201],
};

// SQLite's own multi-process story (one file, WAL, busy timeout); test/postgres-concurrency.test.ts
// is PostgreSQL's.
describe.skipIf(backend !== 'sqlite')('two gateway processes on one database file', () => {
  it('answer concurrent writes to the same collections without SQLITE_BUSY or any 5xx, and keep positions contiguous', async () => {
    const demo = seedDemo(path);
    const keys = await extraKeys(demo.user_id, 2 * CLIENTS_PER_SERVER);
    // Both workers start at once, as a process manager would start them.
    servers = await Promise.all([startServer(path), startServer(path)]);
    const pool = [...demo.track_ids];
    const collections = [demo.collection_id];
    const outcomes: Outcome[] = [];

    await Promise.all(
      keys.map((key, i) => hammer(servers[i % 2]!.url, key, demo, pool, collections, outcomes)),
    );

    const unexpected = outcomes.filter((o) => !allowed[o.label]?.includes(o.status));
    expect(unexpected.slice(0, 5), `${unexpected.length} unexpected answers`).toEqual([]);
    expect(outcomes.filter((o) => o.status >= 500)).toEqual([]);
    expect(outcomes.length).toBeGreaterThanOrEqual(2 * CLIENTS_PER_SERVER * OPS_PER_CLIENT);
    const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
    console.log(
      `multiprocess: ${outcomes.length} requests (${count((o) => o.label !== 'read')} writes) on 2 processes, ` +
        `${count((o) => o.status >= 500)} 5xx, ${count((o) => o.status === 409)} 409, ${count((o) => o.status === 404)} 404`,
    );

    for (const server of servers) server.child.kill('SIGTERM');
    const exits = await Promise.all(servers.map((s) => s.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    servers = [];
    // Positions 0..n-1, counts that match, integrity and foreign keys, read from the file.
    expect(readSnapshot(path, demo.organization_id, demo.user_id).violations).toEqual([]);
  }, 120_000);

  it('two workers migrating a new file at the same moment both come up', async () => {
    // Worker A is this process, worker B a child. A has created drizzle's bookkeeping table and
    // holds the write lock, as it does while migrating; B meanwhile reads "nothing applied" and
    // queues for the lock. A then migrates and commits, and B gets the lock to replay migrations
    // that already ran. Before the retry in applyMigrations, B died with "table ... already exists".
    const file = join(dir, 'fresh.db');
    const holder = new BetterSqlite3(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
    holder.exec('BEGIN IMMEDIATE');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/open-database.ts', file], { cwd: root });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await expect.poll(() => out, { timeout: 20_000 }).toContain('opening');
    await sleep(1000); // B reads the empty table within milliseconds, then waits for the lock
    holder.exec('ROLLBACK');
    holder.close();
    await (await openDatabase(file)).close(); // A migrates while B waits
    await exited;
    expect(out.trim().split('\n')).toEqual(['opening', 'ok']);
    const db = new BetterSqlite3(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  }, 60_000);
});
