import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { backend, serverDatabaseUrl } from './support/backend.js';

// The admin CLI's read commands and `member remove`, run as the operator runs them, on a SQLite
// file or (TEST_DATABASE=postgres://…) a database on that server; the API checks what they did.
const skip = backend === 'pglite';
const root = new URL('..', import.meta.url).pathname;
let dir: string;
let databaseUrl: string;
let dropDatabase: (() => Promise<void>) | undefined;

interface Run {
  code: number;
  out: string;
  err: string;
  json: () => any;
}

async function admin(...args: string[]): Promise<Run> {
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  const r = await run.then(
    (ok) => ({ code: 0, out: ok.stdout, err: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
  return { ...r, json: () => JSON.parse(r.out) };
}

const ids = { ada: '', bob: '', adaKey: '', adaOldKey: '', bobKey: '', secrets: [] as string[] };
let started: number;

beforeAll(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'music-gateway-cli-read-'));
  databaseUrl = join(dir, 'music.db');
  if (backend === 'postgres') ({ url: databaseUrl, drop: dropDatabase } = await serverDatabaseUrl());
  started = Date.now();
  await admin('org', 'create', '--name', 'Acme Music', '--id', 'org_acme');
  await admin('org', 'create', '--name', 'Beta Sounds', '--id', 'org_beta');
  ids.ada = (await admin('user', 'create', '--email', 'ada@example.com', '--name', 'Ada')).json().id;
  ids.bob = (await admin('user', 'create', '--email', 'bob@example.com')).json().id;
  await admin('member', 'add', '--org', 'org_acme', '--user', ids.ada, '--capability', 'USE_MUSIC_GENERATION');
  await admin('member', 'add', '--org', 'org_acme', '--user', ids.bob);
  await admin('member', 'add', '--org', 'org_beta', '--user', ids.ada);
  const adaOld = (await admin('key', 'create', '--user', ids.ada, '--label', 'old laptop')).json();
  const ada = (await admin('key', 'create', '--user', ids.ada, '--label', 'laptop')).json();
  const bob = (await admin('key', 'create', '--user', ids.bob)).json();
  await admin('key', 'revoke', '--id', adaOld.id);
  Object.assign(ids, {
    adaKey: ada.key,
    adaOldKey: adaOld.id,
    bobKey: bob.key,
    secrets: [adaOld.key, ada.key, bob.key],
  });
  // Two changes through the API, for the audit log.
  const app = createApp({ database: await openDatabase(databaseUrl) });
  for (const name of ['First', 'Second']) {
    const res = await call(app, 'POST', '/v1/music/org_acme/collections', ada.key, { name });
    expect(res.status).toBe(201);
  }
  await app.close();
}, 120_000);

afterAll(async () => {
  if (skip) return;
  rmSync(dir, { recursive: true, force: true });
  await dropDatabase?.();
});

function call(app: App, method: string, path: string, key: string, body?: unknown) {
  return app.fetch(
    new Request(`http://x${path}`, {
      method,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

describe.skipIf(skip)('admin list commands', () => {
  it('org list: by name, with member counts; --limit cuts the list and says so on stderr', async () => {
    const [all, one] = await Promise.all([admin('org', 'list'), admin('org', 'list', '--limit', '1')]);
    expect(all.err).toBe('');
    expect(all.json()).toEqual([
      {
        id: 'org_acme',
        name: 'Acme Music',
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        members: 2,
      },
      { id: 'org_beta', name: 'Beta Sounds', created_at: expect.any(String), members: 1 },
    ]);
    expect(one.json().map((o: { id: string }) => o.id)).toEqual(['org_acme']);
    expect(one.err).toBe('note: 1 shown and more exist; raise --limit or narrow the filters\n');
  });

  it("user list and member list: everyone, or one organization's members with their capabilities", async () => {
    const [users, inBeta, members] = await Promise.all([
      admin('user', 'list'),
      admin('user', 'list', '--org', 'org_beta'),
      admin('member', 'list', '--org', 'org_acme'),
    ]);
    expect(users.json()).toEqual([
      { id: ids.ada, email: 'ada@example.com', name: 'Ada', created_at: expect.any(String) },
      { id: ids.bob, email: 'bob@example.com', name: null, created_at: expect.any(String) },
    ]);
    expect(inBeta.json().map((u: { id: string }) => u.id)).toEqual([ids.ada]);
    expect(members.json()).toEqual([
      {
        organization_id: 'org_acme',
        user_id: ids.ada,
        email: 'ada@example.com',
        name: 'Ada',
        capabilities: ['USE_MUSIC_GENERATION'],
        member_since: expect.any(String),
      },
      {
        organization_id: 'org_acme',
        user_id: ids.bob,
        email: 'bob@example.com',
        name: null,
        capabilities: [],
        member_since: expect.any(String),
      },
    ]);
  });

  it('key list: newest first, active or revoked, when last used; never a secret or its hash', async () => {
    const [all, ada, beta] = await Promise.all([
      admin('key', 'list'),
      admin('key', 'list', '--user', ids.ada),
      admin('key', 'list', '--org', 'org_beta'),
    ]);
    const keys = all.json();
    expect(keys.map((k: { label: string | null; status: string }) => [k.label, k.status])).toEqual([
      [null, 'active'],
      ['laptop', 'active'],
      ['old laptop', 'revoked'],
    ]);
    expect(Object.keys(keys[0]).sort()).toEqual([
      'created_at',
      'id',
      'label',
      'last_used_at',
      'revoked_at',
      'status',
      'user_id',
    ]);
    expect(keys[1].last_used_at).toEqual(expect.any(String));
    expect(keys[2]).toMatchObject({ id: ids.adaOldKey, revoked_at: expect.any(String), last_used_at: null });
    for (const secret of ids.secrets) expect(all.out).not.toContain(secret);
    expect(all.out).not.toMatch(/mgk_|hash/);
    expect(ada.json()).toHaveLength(2);
    expect(beta.json().map((k: { user_id: string }) => k.user_id)).toEqual([ids.ada, ids.ada]);
  });

  it('audit list: newest first, by organization, actor, action and time', async () => {
    const [all, byActor, byAction, since, none, limited] = await Promise.all([
      admin('audit', 'list', '--org', 'org_acme'),
      admin('audit', 'list', '--actor', ids.bob),
      admin('audit', 'list', '--action', 'collection.create', '--actor', ids.ada),
      admin('audit', 'list', '--since', new Date(started - 60_000).toISOString()),
      admin('audit', 'list', '--since', '2999-01-01'),
      admin('audit', 'list', '--limit', '1'),
    ]);
    const entries = all.json();
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['collection.create', 'collection.create']);
    expect(entries[0]).toEqual({
      seq: expect.any(Number),
      created_at: expect.any(String),
      organization_id: 'org_acme',
      actor_id: ids.ada,
      action: 'collection.create',
      target_id: expect.stringMatching(/^mcoll_/),
      trace_id: expect.stringMatching(/^req_/),
    });
    expect(entries[0].seq).toBeGreaterThan(entries[1].seq);
    expect(byActor.json()).toEqual([]);
    expect(byAction.json()).toHaveLength(2);
    expect(since.json()).toHaveLength(2);
    expect(none.json()).toEqual([]);
    expect(limited.json()).toEqual([entries[0]]);
    expect(limited.err).toMatch(/^note: 1 shown and more exist/);
  });
});

describe.skipIf(skip)('admin member remove', () => {
  it('takes a member out: the API refuses them there from then on, their other organizations stay; idempotent', async () => {
    const database = await openDatabase(databaseUrl);
    const app = createApp({ database });
    try {
      expect((await call(app, 'GET', '/v1/music/org_beta/collections', ids.adaKey)).status).toBe(200);
      const removed = await admin('member', 'remove', '--org', 'org_beta', '--user', ids.ada);
      expect(removed.json()).toEqual({ organization_id: 'org_beta', user_id: ids.ada, removed: true });
      const refused = await call(app, 'GET', '/v1/music/org_beta/collections', ids.adaKey);
      expect(refused.status).toBe(403);
      expect((await call(app, 'GET', '/v1/music/org_acme/collections', ids.adaKey)).status).toBe(200);
      expect((await admin('member', 'remove', '--org', 'org_beta', '--user', ids.ada)).json()).toMatchObject({
        removed: false,
      });
      expect((await admin('member', 'list', '--org', 'org_beta')).json()).toEqual([]);
      const missing = await admin('member', 'remove', '--org', 'org_beta', '--user', 'usr_missing');
      expect(missing).toMatchObject({ code: 1, out: '', err: 'error: user usr_missing does not exist\n' });
    } finally {
      await app.close();
    }
  });
});
