import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { entryChecks, entryViolations, readSnapshot, type Shape } from '../scripts/crash/database.js';
import { root, seedDemo, startServer, type Demo, type ServerProcess } from '../scripts/crash/process.js';
import { openDatabase } from '../src/db/connection.js';
import { pgMigrationsFolder } from '../src/db/postgres.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { addTrackToCollection, createCollection } from '../src/domain/collections.js';
import { createTrack } from '../src/domain/tracks.js';
import { authenticate } from '../src/domain/viewer.js';
import { openApiDocument } from '../src/rest/openapi.js';
import { appTables, backend, runSql, serverDatabaseUrl } from './support/backend.js';

// Several gateway processes (workers) on one database: a SQLite file, or a PostgreSQL database on
// the TEST_DATABASE server. Real child servers, concurrent clients on each, the same collections;
// afterwards every answer is checked against the documentation and the database against what the
// clients were told.

let servers: ServerProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  servers = [];
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * Waits for servers started together: each one that comes up is stopped after the test, whatever
 * the others did. Says for each whether it came up ('up') or why not.
 */
async function settle(starting: Promise<ServerProcess>[]): Promise<string[]> {
  const started = await Promise.allSettled(starting);
  servers.push(...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
  return started.map((s) => (s.status === 'rejected' ? String(s.reason).slice(0, 500) : 'up'));
}

/** A new SQLite file in a folder of its own, removed after the test. */
function sqliteFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'music-gateway-multiprocess-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'music.db');
}

/** A new, empty database on the TEST_DATABASE server, dropped after the test. */
async function postgresDatabase(): Promise<string> {
  const { url, drop } = await serverDatabaseUrl();
  cleanups.push(drop);
  return url;
}

const CLIENTS_PER_SERVER = 4;
const OPS_PER_CLIENT = 60;

type Label =
  | 'add'
  | 'add if-match'
  | 'add batch'
  | 'remove'
  | 'remove batch'
  | 'move range'
  | 'reorder'
  | 'read'
  | 'reorder if-match'
  | 'create track'
  | 'delete track'
  | 'create collection'
  | 'delete collection';

interface Outcome {
  label: Label;
  method: string;
  /** The route under /v1/music/:organization_id, e.g. /collections/:collection_id/tracks */
  route: string;
  collection?: string;
  track?: string;
  /** The version a conditional write expected. */
  ifMatch?: number;
  status: number;
  body: any;
  etag: string | null;
  requestId: string | null;
  /** When the request left and its answer arrived (this process's clock): the write took effect in between. */
  sent: number;
  answered: number;
}

/** The collections and tracks all clients pick from; creates add to them, deletes take away. */
interface Shared {
  collections: string[];
  tracks: string[];
}

/** Fresh keys, so each client's first request also makes the last-used write outside any transaction. */
async function extraKeys(databaseUrl: string, userId: string, n: number): Promise<string[]> {
  const database = await openDatabase(databaseUrl, { poolSize: 1 });
  try {
    const deps = { database, now: Date.now, traceId: 'req_test', origin: 'http://x' };
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push((await createApiKey(deps, { userId })).key);
    return keys;
  } finally {
    await database.close();
  }
}

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
const shuffled = <T>(items: readonly T[]) => [...items].sort(() => Math.random() - 0.5);

/** `hot`: the shared collections stay as they are (no collection is created or deleted). */
async function hammer(url: string, key: string, demo: Demo, shared: Shared, outcomes: Outcome[], hot = false) {
  type Request = Pick<Outcome, 'label' | 'method' | 'route' | 'collection' | 'track' | 'ifMatch'> & { body?: unknown };
  const send = async (request: Request): Promise<Outcome> => {
    const { body, ...described } = request;
    const path = request.route
      .replace(':collection_id', request.collection ?? '')
      .replace(':track_id', request.track ?? '');
    const headers: Record<string, string> = { 'x-api-key': key };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (request.ifMatch !== undefined) headers['if-match'] = `"${request.ifMatch}"`;
    const sent = performance.now();
    const res = await fetch(`${url}/v1/music/${demo.organization_id}${path}`, {
      method: request.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const outcome: Outcome = {
      ...described,
      status: res.status,
      body: await res.json(),
      etag: res.headers.get('etag'),
      requestId: res.headers.get('x-request-id'),
      sent,
      answered: performance.now(),
    };
    outcomes.push(outcome);
    return outcome;
  };
  const entries = '/collections/:collection_id/tracks';
  const some = () => shuffled(shared.tracks).slice(0, 1 + Math.floor(Math.random() * 4));

  for (let i = 0; i < OPS_PER_CLIENT; i++) {
    const collection = pick(shared.collections);
    const r = Math.random();
    if (r < 0.18) {
      const track = pick(shared.tracks);
      await send({ label: 'add', method: 'POST', route: entries, collection, track, body: { track_id: track } });
    } else if (r < 0.25) {
      // At a position that may be past the end by the time it arrives (then 422).
      const body = { track_ids: some(), position: Math.floor(Math.random() * 4) };
      await send({ label: 'add batch', method: 'POST', route: entries, collection, body });
    } else if (r < 0.35) {
      await send({
        label: 'remove',
        method: 'DELETE',
        route: `${entries}/:track_id`,
        collection,
        track: pick(shared.tracks),
      });
    } else if (r < 0.4) {
      await send({ label: 'remove batch', method: 'DELETE', route: entries, collection, body: { track_ids: some() } });
    } else if (r < 0.45) {
      // Always outside the range, so a success always moves something; past the end is 422.
      const start = Math.floor(Math.random() * 2);
      const length = 1 + Math.floor(Math.random() * 2);
      const before = start > 0 && Math.random() < 0.5 ? 0 : start + length + 1 + Math.floor(Math.random() * 2);
      await send({
        label: 'move range',
        method: 'PATCH',
        route: entries,
        collection,
        body: { range_start: start, range_length: length, insert_before: before },
      });
    } else if (r < 0.55) {
      const ids = shuffled(shared.tracks).slice(0, 1 + Math.floor(Math.random() * shared.tracks.length));
      await send({
        label: 'reorder',
        method: 'PATCH',
        route: '/collections/:collection_id/order',
        collection,
        body: { ordered_track_ids: ids },
      });
    } else if (r < 0.75) {
      // Read, then write on condition that nothing changed since. The write is chosen so that it
      // always changes the collection (a different order, or a track it did not hold), so it
      // always moves the version on: two of them succeeding on one version is a lost update.
      const read = await send({ label: 'read', method: 'GET', route: entries, collection });
      if (read.status !== 200) continue;
      const version = Number(JSON.parse(read.etag!));
      const held: string[] = read.body.items.map((item: { track_id: string }) => item.track_id);
      if (held.length >= 2) {
        let order = shuffled(held);
        if (order.join() === held.join()) order = [...held.slice(1), held[0]!];
        await send({
          label: 'reorder if-match',
          method: 'PATCH',
          route: '/collections/:collection_id/order',
          collection,
          ifMatch: version,
          body: { ordered_track_ids: order },
        });
      } else {
        const absent = shared.tracks.filter((t) => !held.includes(t));
        if (absent.length === 0) continue;
        const track = pick(absent);
        await send({
          label: 'add if-match',
          method: 'POST',
          route: entries,
          collection,
          track,
          ifMatch: version,
          body: { track_id: track },
        });
      }
    } else if (r < 0.85 || (r < 0.91 && shared.tracks.length <= 2)) {
      const created = await send({ label: 'create track', method: 'POST', route: '/tracks', body: { title: `t${i}` } });
      if (created.status === 201) shared.tracks.push(created.body.id);
    } else if (r < 0.91) {
      // Deletes take the object out of the shared list before the request leaves, so no other
      // client picks it from then on (and the lists never run dry); requests already on their way
      // to it may still arrive after the delete, and find nothing.
      const track = shared.tracks.splice(Math.floor(Math.random() * shared.tracks.length), 1)[0]!;
      await send({ label: 'delete track', method: 'DELETE', route: '/tracks/:track_id', track });
    } else if (hot) {
      const track = pick(shared.tracks);
      await send({ label: 'add', method: 'POST', route: entries, collection, track, body: { track_id: track } });
    } else if (r < 0.96 || shared.collections.length <= 1) {
      const created = await send({
        label: 'create collection',
        method: 'POST',
        route: '/collections',
        body: { name: `c${i}` },
      });
      if (created.status === 201) shared.collections.push(created.body.id);
    } else {
      shared.collections.splice(shared.collections.indexOf(collection), 1);
      await send({ label: 'delete collection', method: 'DELETE', route: '/collections/:collection_id', collection });
    }
  }
}

// What each kind of request may answer when other writers get in first.
const allowed: Record<Label, number[]> = {
  add: [200, 404], // the track or the collection was deleted meanwhile
  'add if-match': [200, 404, 409],
  'add batch': [200, 404, 422], // 422: the position is past the end by then
  remove: [200, 404],
  'remove batch': [200, 404],
  'move range': [200, 404, 422], // 422: the range is past the end by then (INVALID_TRACK_MOVE)
  reorder: [200, 404],
  read: [200, 404],
  'reorder if-match': [200, 404, 409],
  'create track': [201],
  'delete track': [200],
  'create collection': [201],
  'delete collection': [200],
};

/** Whether a batch's answer says it applied any of its items. */
const applied = (o: Outcome) => (o.body.results as { success: boolean }[]).some((item) => item.success);

/** Membership changes the clients were told of: single adds and removes, and each applied item of a batch. */
interface Effect {
  kind: 'add' | 'remove';
  collection: string;
  track: string;
  sent: number;
  answered: number;
}
function effectsOf(o: Outcome): Effect[] {
  const at = { collection: o.collection!, sent: o.sent, answered: o.answered };
  if (o.label === 'add' || o.label === 'add if-match') return [{ kind: 'add', track: o.track!, ...at }];
  if (o.label === 'remove') return [{ kind: 'remove', track: o.track!, ...at }];
  if (o.label !== 'add batch' && o.label !== 'remove batch') return [];
  const kind = o.label === 'add batch' ? 'add' : 'remove';
  return (o.body.results as { track_id: string; success: boolean }[])
    .filter((item) => item.success)
    .map((item) => ({ kind, track: item.track_id, ...at }));
}

/** The audit row a successful write leaves (one, in its own transaction), as action and target. */
function auditOf(o: Outcome): string | undefined {
  switch (o.label) {
    case 'add':
    case 'add if-match':
      return `collection.track_add ${o.track}`;
    // One row per batch that changed the collection, whose target is the collection.
    case 'add batch':
      return applied(o) ? `collection.tracks_add ${o.collection}` : undefined;
    case 'remove batch':
      return applied(o) ? `collection.tracks_remove ${o.collection}` : undefined;
    case 'move range':
      return `collection.tracks_move ${o.collection}`;
    case 'remove':
      return `collection.track_remove ${o.track}`;
    case 'reorder':
    case 'reorder if-match':
      return `collection.reorder ${o.collection}`;
    case 'create track':
      return `track.create ${o.body.id}`;
    case 'delete track':
      return `track.delete ${o.track}`;
    case 'create collection':
      return `collection.create ${o.body.id}`;
    case 'delete collection':
      return `collection.delete ${o.collection}`;
    case 'read':
      return undefined;
  }
}

/** Answers that are not documented for their operation, or not expected for what was asked. */
function answerProblems(outcomes: readonly Outcome[]): string[] {
  const paths = openApiDocument().paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  const problems: string[] = [];
  for (const o of outcomes) {
    const template = `/v1/music/{organization_id}${o.route.replace(/:([a-z_]+)/g, '{$1}')}`;
    const documented = paths[template]?.[o.method.toLowerCase()]?.responses ?? {};
    if (!(String(o.status) in documented) || !allowed[o.label].includes(o.status) || !o.requestId) {
      problems.push(`${o.label} ${o.method} ${o.route} answered ${o.status}: ${JSON.stringify(o.body).slice(0, 300)}`);
    }
  }
  return problems;
}

/**
 * Where the database disagrees with what the clients were told. A write took effect somewhere
 * between its request leaving and its answer arriving, so only an operation whose answer came
 * after another's request left can have been applied after it.
 */
async function databaseProblems(databaseUrl: string, outcomes: readonly Outcome[]): Promise<string[]> {
  const database = await openDatabase(databaseUrl, { poolSize: 1 });
  try {
    const q = (text: string) => runSql(database, text, []);
    const problems = entryViolations((await q(entryChecks.shapes)) as Shape[], (await q(entryChecks.deadEntries))[0]);
    const held = new Set(
      (await q('SELECT collection_id, track_id FROM collection_entries')).map(
        (e) => `${e.collection_id} ${e.track_id}`,
      ),
    );
    const deleted = new Set(
      [
        ...(await q('SELECT id FROM tracks WHERE deleted_at IS NOT NULL')),
        ...(await q('SELECT id FROM collections WHERE deleted_at IS NOT NULL')),
      ].map((r) => r.id as string),
    );
    const existing = new Set(
      [...(await q('SELECT id FROM tracks')), ...(await q('SELECT id FROM collections'))].map((r) => r.id as string),
    );

    const ok = outcomes.filter((o) => o.status < 300);
    const effects = ok.flatMap(effectsOf);
    for (const add of effects.filter((e) => e.kind === 'add')) {
      const undone =
        ok.some((o) => o.answered > add.sent && o.label === 'delete track' && o.track === add.track) ||
        effects.some(
          (e) =>
            e.answered > add.sent && e.kind === 'remove' && e.track === add.track && e.collection === add.collection,
        );
      if (!undone && !held.has(`${add.collection} ${add.track}`))
        problems.push(`acknowledged add of ${add.track} to ${add.collection} is lost`);
    }
    for (const remove of effects.filter((e) => e.kind === 'remove')) {
      const redone = effects.some(
        (e) =>
          e.answered > remove.sent &&
          e.kind === 'add' &&
          e.track === remove.track &&
          e.collection === remove.collection,
      );
      if (!redone && held.has(`${remove.collection} ${remove.track}`)) {
        problems.push(`acknowledged remove of ${remove.track} from ${remove.collection} is undone`);
      }
    }
    const conditional = new Map<string, Outcome>();
    for (const o of ok.filter((o) => o.ifMatch !== undefined)) {
      const key = `${o.collection} ${o.ifMatch}`;
      if (conditional.has(key))
        problems.push(`two writes conditional on ${o.collection} at version ${o.ifMatch} both succeeded`);
      conditional.set(key, o);
    }
    for (const o of ok) {
      if (o.label === 'create track' || o.label === 'create collection') {
        if (!existing.has(o.body.id)) problems.push(`${o.label} ${o.body.id} acknowledged but missing`);
      }
      if (o.label === 'delete track' && !deleted.has(o.track!))
        problems.push(`track ${o.track} deleted but still live`);
      if (o.label === 'delete collection' && !deleted.has(o.collection!))
        problems.push(`collection ${o.collection} deleted but still live`);
    }

    // Exactly once: a write that succeeded left its one audit row (a retried transaction left no
    // trace of its failed attempts), a refused one none, a read none.
    const audit = new Map<string, string[]>();
    for (const row of await q('SELECT trace_id, action, target_id FROM audit_log')) {
      audit.set(row.trace_id, [...(audit.get(row.trace_id) ?? []), `${row.action} ${row.target_id}`]);
    }
    for (const o of outcomes) {
      const want = o.status < 300 && auditOf(o) ? [auditOf(o)] : [];
      const got = audit.get(o.requestId!) ?? [];
      if (got.join() !== want.join()) problems.push(`${o.label} answered ${o.status} left audit [${got.join(', ')}]`);
    }

    // Reads: each sees positions 0..n-1, and none sees an older version than a read that ended before it began.
    const reads = ok.filter((o) => o.label === 'read');
    for (const r of reads) {
      const positions = r.body.items.map((item: { position: number }) => item.position);
      if (positions.join() !== positions.map((_: unknown, i: number) => i).join())
        problems.push(`a read saw positions ${positions.join()}`);
      const version = Number(JSON.parse(r.etag!));
      const newest = Math.max(
        0,
        ...reads
          .filter((e) => e.collection === r.collection && e.answered < r.sent)
          .map((e) => Number(JSON.parse(e.etag!))),
      );
      if (version < newest)
        problems.push(`a read of ${r.collection} saw version ${version} after one had seen ${newest}`);
    }
    return problems;
  } finally {
    await database.close();
  }
}

/** Backends seen waiting for a heavyweight lock (pg_stat_activity), sampled every few milliseconds. */
interface LockWait {
  waitEvent: string;
  query: string;
  blockedBy: string[];
}

/** Samples the database's backends until stopped; what every sample found waiting, and how many samples. */
function watchLockWaits(databaseUrl: string) {
  const waits: LockWait[] = [];
  let samples = 0;
  let stopped = false;
  const watching = (async () => {
    const watcher = new pg.Client({ connectionString: databaseUrl });
    await watcher.connect();
    try {
      while (!stopped) {
        const { rows } = await watcher.query<{ wait_event: string; query: string; blocked_by: string[] }>(
          `SELECT a.wait_event, a.query,
                  ARRAY(SELECT b.query FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blocked_by
           FROM pg_stat_activity a
           WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.wait_event_type = 'Lock'`,
        );
        samples++;
        waits.push(
          ...rows.map((r) => ({
            waitEvent: r.wait_event,
            query: r.query.slice(0, 200),
            blockedBy: r.blocked_by.map((q) => q.slice(0, 200)),
          })),
        );
        await sleep(5);
      }
    } finally {
      await watcher.end();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await watching;
      return { waits, samples };
    },
  };
}

/** `owners` owners in one organization, each with a key, three tracks and a collection holding them. */
async function seedOwners(databaseUrl: string, owners: number): Promise<Demo[]> {
  const database = await openDatabase(databaseUrl, { poolSize: 1 });
  try {
    const deps = { database, now: Date.now, traceId: 'req_test', origin: 'http://x' };
    const org = (await createOrganization(deps, { name: 'Tenants' })).id;
    const demos: Demo[] = [];
    for (let i = 0; i < owners; i++) {
      const user = await createUser(deps, { email: `owner${i}@tenants.test` });
      await addMember(deps, { organizationId: org, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
      const key = (await createApiKey(deps, { userId: user.id })).key;
      const viewer = (await authenticate(deps, key))!;
      const track_ids: string[] = [];
      for (let t = 0; t < 3; t++)
        track_ids.push((await createTrack(deps, viewer, { organizationId: org, title: `t${t}` })).id);
      const collection_id = (await createCollection(deps, viewer, { organizationId: org, name: `owner ${i}` })).id;
      for (const trackId of track_ids)
        await addTrackToCollection(deps, viewer, { organizationId: org, collectionId: collection_id, trackId });
      demos.push({ organization_id: org, user_id: user.id, key, track_ids, collection_id });
    }
    return demos;
  } finally {
    await database.close();
  }
}

/** What both servers' /metrics say about write transactions the database aborted and they ran again. */
async function retries(): Promise<number> {
  let total = 0;
  for (const server of servers) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const m of text.matchAll(/^music_gateway_db_transaction_retries_total\{[^}]*\} (\d+)/gm))
      total += Number(m[1]);
  }
  return total;
}

interface EditOptions {
  env?: Record<string, string>;
  /**
   * 'shared' (the default): every client edits the same collections, which creates and deletes add
   * to and take from; 'hot': the same, on the one seeded collection only; 'disjoint': each client
   * is a different owner, editing only its own collections and tracks.
   */
  mode?: 'shared' | 'hot' | 'disjoint';
  /** Sample pg_stat_activity for lock waits while the clients run (PostgreSQL). */
  watchLocks?: boolean;
}

/**
 * Two workers started together on one database, CLIENTS_PER_SERVER clients each; then both stop
 * cleanly and every answer and the database are checked.
 */
async function editConcurrently(databaseUrl: string, options: EditOptions = {}) {
  const { env = {}, mode = 'shared' } = options;
  const clients = 2 * CLIENTS_PER_SERVER;
  let work: { key: string; demo: Demo; shared: Shared }[];
  if (mode === 'disjoint') {
    work = (await seedOwners(databaseUrl, clients)).map((demo) => ({
      key: demo.key,
      demo,
      shared: { collections: [demo.collection_id], tracks: [...demo.track_ids] },
    }));
  } else {
    const demo = seedDemo(databaseUrl);
    const shared: Shared = { collections: [demo.collection_id], tracks: [...demo.track_ids] };
    work = (await extraKeys(databaseUrl, demo.user_id, clients)).map((key) => ({ key, demo, shared }));
  }
  expect(await settle([startServer(databaseUrl, env), startServer(databaseUrl, env)])).toEqual(['up', 'up']);
  const outcomes: Outcome[] = [];

  const watcher = options.watchLocks ? watchLockWaits(databaseUrl) : undefined;
  await Promise.all(work.map((w, i) => hammer(servers[i % 2]!.url, w.key, w.demo, w.shared, outcomes, mode === 'hot')));
  const locks = await watcher?.stop();
  const retried = backend === 'postgres' ? await retries() : 0;

  const failures = outcomes.filter((o) => o.status >= 500);
  expect(failures.slice(0, 3), `${failures.length} answers 5xx`).toEqual([]);
  const unexpected = answerProblems(outcomes);
  expect(unexpected.slice(0, 5), `${unexpected.length} unexpected answers`).toEqual([]);
  expect(outcomes.length).toBeGreaterThanOrEqual(clients * OPS_PER_CLIENT);
  const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
  console.log(
    `multiprocess (${backend}, ${mode}): ${outcomes.length} requests (${count((o) => o.label !== 'read')} writes) on 2 processes, ` +
      `${count((o) => o.status >= 500)} 5xx, ${count((o) => o.status === 409)} 409, ${count((o) => o.status === 404)} 404, ` +
      `${count((o) => o.ifMatch !== undefined && o.status === 200)} conditional writes succeeded, ${retried} transactions retried, ` +
      `${count((o) => (o.label === 'add batch' || o.label === 'remove batch' || o.label === 'move range') && o.status === 200)} batch edits answered 200` +
      (locks ? `, ${locks.waits.length} lock waits seen in ${locks.samples} samples` : ''),
  );

  for (const server of servers) server.child.kill('SIGTERM');
  const exits = await Promise.all(servers.map((s) => s.exited));
  expect(exits.map((e) => e.code)).toEqual([0, 0]);
  servers = [];
  const problems = await databaseProblems(databaseUrl, outcomes);
  expect(problems.slice(0, 10), `${problems.length} problems in the database`).toEqual([]);
  return { demo: work[0]!.demo, locks, retried };
}

// SQLite lets one writer in at a time across processes; the gateway must turn that into waiting,
// never into a SQLITE_BUSY (a 500) for a client, and two workers started together on a new file
// must both come up.
describe.skipIf(backend !== 'sqlite')('two gateway processes on one database file', () => {
  it('answer concurrent writes to the same collections without SQLITE_BUSY or any 5xx, and lose no update', async () => {
    const path = sqliteFile();
    const { demo } = await editConcurrently(path);
    // Integrity and foreign keys too, read from the file.
    expect(readSnapshot(path, demo.organization_id, demo.user_id).violations).toEqual([]);
  }, 120_000);

  it('two workers migrating a new file at the same moment both come up', async () => {
    // Worker A is this process, worker B a child. A has created drizzle's bookkeeping table and
    // holds the write lock, as it does while migrating; B meanwhile reads "nothing applied" and
    // queues for the lock. A then migrates and commits, and B gets the lock to replay migrations
    // that already ran. Before the retry in applyMigrations, B died with "table ... already exists".
    const file = sqliteFile();
    const holder = new BetterSqlite3(file);
    holder.pragma('journal_mode = WAL');
    holder.exec(
      'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
    );
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

// On PostgreSQL the processes share a server: write transactions run READ COMMITTED and lock the
// rows they change in one order, and migrations on start take an advisory lock (src/db/postgres.ts,
// docs/postgresql.md).
describe.skipIf(backend !== 'postgres')('gateway processes on one PostgreSQL database', () => {
  it('two answer concurrent writes to the same collections without any 5xx, and lose no update', async () => {
    await editConcurrently(await postgresDatabase(), { env: { DATABASE_POOL_SIZE: '4' } });
  }, 180_000);

  it("two writing to disjoint owners' collections never wait on a lock, and never retry", async () => {
    const { locks, retried } = await editConcurrently(await postgresDatabase(), {
      env: { DATABASE_POOL_SIZE: '4' },
      mode: 'disjoint',
      watchLocks: true,
    });
    expect(locks!.samples).toBeGreaterThan(20);
    // Any wait on another transaction's lock fails the test: a row, a transaction, a table. The
    // instant PostgreSQL holds a table to add a page to it (`extend`) is not one: inserts of any
    // two transactions meet there, whoever they belong to.
    expect(locks!.waits.filter((w) => w.waitEvent !== 'extend')).toEqual([]);
    expect(retried).toBe(0);
  }, 180_000);

  it('two editing one hot collection complete every write, queued on its row, without running out of retries', async () => {
    const { locks, retried } = await editConcurrently(await postgresDatabase(), {
      env: { DATABASE_POOL_SIZE: '4' },
      mode: 'hot',
      watchLocks: true,
    });
    // The writes did meet, and queued: they waited for each other's row locks; none was aborted
    // (a deadlock is ruled out by the lock order), and nothing answered 5xx (above).
    expect(locks!.waits.length).toBeGreaterThan(0);
    expect(retried).toBe(0);
  }, 180_000);

  it('four started at once on a new database all come up, and the schema is migrated once', async () => {
    const url = await postgresDatabase();
    const connect = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      cleanups.push(() => client.end());
      return client;
    };
    const [gate, admin] = [await connect(), await connect()];
    // A starting gate that does not depend on the gateway's own lock: `gate` creates drizzle's
    // schema in a transaction it keeps open, so the first statement any process's migration runs
    // (CREATE SCHEMA IF NOT EXISTS drizzle) waits for it. Once all four processes wait (on that,
    // or on the advisory lock in front of it), the gate opens and they race. `admin` watches from
    // outside the transaction, which would see pg_stat_activity as of its first read.
    await gate.query('BEGIN');
    await gate.query('CREATE SCHEMA drizzle');
    const starting = Array.from({ length: 4 }, () => startServer(url, { DATABASE_POOL_SIZE: '2' }));
    for (const s of starting) s.catch(() => undefined); // settled, and reported, below
    const waiting = async () => {
      const { rows } = await admin.query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return Number(rows[0].n);
    };
    let started: string[] = [];
    try {
      await expect.poll(waiting, { timeout: 60_000, interval: 200 }).toBe(4);
    } finally {
      await gate.query('ROLLBACK'); // whatever happened, so that every process settles
      started = await settle(starting);
    }
    expect(started).toEqual(['up', 'up', 'up', 'up']);
    for (const server of servers) {
      const res = await fetch(`${server.url}/readyz`);
      expect(await res.json()).toMatchObject({ status: 'ready', migrations: { pending: [] } });
      expect(res.status).toBe(200);
    }

    const journal = JSON.parse(readFileSync(join(pgMigrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
      entries: { when: number }[];
    };
    const applied = await admin.query('SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY id');
    expect(applied.rows.map((r) => Number(r.created_at))).toEqual(journal.entries.map((e) => e.when));
    const tables = await admin.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.name)).toEqual(appTables);
  }, 180_000);
});
