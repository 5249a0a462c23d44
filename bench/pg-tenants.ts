import pg from 'pg';
import { openDatabase } from '../src/db/connection.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { addTrackToCollection, createCollection } from '../src/domain/collections.js';
import type { Deps } from '../src/domain/deps.js';
import { createTrack } from '../src/domain/tracks.js';
import { authenticate } from '../src/domain/viewer.js';
import { BENCH_POSTGRES } from './postgres.js';
import { ROOT, start, type Running } from './servers.js';

// `BENCH_POSTGRES=postgres://… npx tsx bench/pg-tenants.ts [seconds] [clients] [checkout]`: the
// tenants experiment of docs/postgresql.md. Two gateway processes on one new PostgreSQL database,
// `clients` clients split over them, each adding and removing tracks in its own owner's collection
// (no two clients share a row). Meanwhile pg_stat_activity and pg_locks are sampled every 50 ms:
// which locks backends wait for, and which predicate (SIRead) locks serializable transactions
// hold. `checkout` runs the product of another worktree (a variant under test).

const [secondsArg = '10', clientsArg = '16', checkout = ROOT] = process.argv.slice(2);
const SECONDS = Number(secondsArg);
const CLIENTS = Number(clientsArg);
const TRACKS_PER_OWNER = 20;
const SAMPLE_MS = 50;

if (!BENCH_POSTGRES) throw new Error('BENCH_POSTGRES must name a PostgreSQL server where databases may be created');
const server = BENCH_POSTGRES;
const name = `mg_tenants_${process.pid}`;
const urlOf = (database: string) => Object.assign(new URL(server), { pathname: `/${database}` }).toString();
const url = urlOf(name);

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface Owner {
  key: string;
  org: string;
  collection: string;
  /** The owner's tracks, and which of them the collection holds now. */
  tracks: string[];
  held: Set<string>;
}

async function seed(): Promise<Owner[]> {
  const database = await openDatabase(url, { poolSize: 2 });
  try {
    const deps: Deps = { database, now: Date.now, traceId: 'req_tenants_seed', origin: 'http://bench' };
    const org = (await createOrganization(deps, { name: 'Tenants' })).id;
    const owners: Owner[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const user = await createUser(deps, { email: `owner${i}@tenants.example` });
      await addMember(deps, { organizationId: org, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
      const key = (await createApiKey(deps, { userId: user.id })).key;
      const viewer = (await authenticate(deps, key))!;
      const tracks: string[] = [];
      for (let t = 0; t < TRACKS_PER_OWNER; t++)
        tracks.push((await createTrack(deps, viewer, { organizationId: org, title: `t${t}` })).id);
      const collection = (await createCollection(deps, viewer, { organizationId: org, name: `owner ${i}` })).id;
      const held = new Set(tracks.slice(0, TRACKS_PER_OWNER / 2));
      for (const trackId of held)
        await addTrackToCollection(deps, viewer, { organizationId: org, collectionId: collection, trackId });
      owners.push({ key, org, collection, tracks, held });
    }
    return owners;
  } finally {
    await database.close();
  }
}

interface Counts {
  requests: number;
  failures: number;
  firstFailure?: string;
}

async function client(base: string, owner: Owner, until: number, counts: Counts): Promise<void> {
  let add = true;
  while (performance.now() < until) {
    const pool = owner.tracks.filter((t) => owner.held.has(t) !== add);
    const track = pool[Math.floor(Math.random() * pool.length)]!;
    const path = `/v1/music/${owner.org}/collections/${owner.collection}/tracks`;
    const res = add
      ? await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'x-api-key': owner.key, 'content-type': 'application/json' },
          body: JSON.stringify({ track_id: track }),
        })
      : await fetch(`${base}${path}/${track}`, { method: 'DELETE', headers: { 'x-api-key': owner.key } });
    const text = await res.text();
    counts.requests++;
    if (res.status !== 200) {
      counts.failures++;
      counts.firstFailure ??= `${res.status} ${text.slice(0, 300)}`;
    } else if (add) owner.held.add(track);
    else owner.held.delete(track);
    add = owner.held.size === 0 ? true : owner.held.size === owner.tracks.length ? false : Math.random() < 0.5;
  }
}

interface Samples {
  taken: number;
  /** samples in which at least one backend waited for a heavyweight lock */
  withLockWait: number;
  /** waiting backends summed over samples, by wait event (relation = a table lock, transactionid / tuple = a row) */
  waitsByEvent: Record<string, number>;
  /** ungranted locks summed over samples, by lock type, mode and relation */
  waitingLocks: Record<string, number>;
  /** samples in which some transaction held the LOCK TABLE … SHARE ROW EXCLUSIVE of a transaction running alone */
  withTableLock: number;
  /** predicate locks summed over samples, by granularity and relation */
  predicateLocks: Record<string, number>;
}

async function sampler(stop: () => boolean): Promise<Samples> {
  const s: Samples = {
    taken: 0,
    withLockWait: 0,
    waitsByEvent: {},
    waitingLocks: {},
    withTableLock: 0,
    predicateLocks: {},
  };
  const watcher = new pg.Client({ connectionString: url });
  await watcher.connect();
  const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);
  try {
    while (!stop()) {
      const [activity, locks] = await Promise.all([
        watcher.query<{ event: string; n: string }>(
          `SELECT wait_event_type || ':' || wait_event AS event, count(*) AS n FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' GROUP BY 1`,
        ),
        watcher.query<{ type: string; mode: string; rel: string | null; granted: boolean; n: string }>(
          `SELECT locktype AS type, mode, relation::regclass::text AS rel, granted, count(*) AS n FROM pg_locks
           WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()
           GROUP BY 1, 2, 3, 4`,
        ),
      ]);
      s.taken++;
      if (activity.rows.length > 0) s.withLockWait++;
      for (const r of activity.rows) add(s.waitsByEvent, r.event, Number(r.n));
      let tableLock = false;
      for (const r of locks.rows) {
        if (r.mode === 'SIReadLock') add(s.predicateLocks, `${r.type} ${r.rel}`, Number(r.n));
        if (!r.granted) add(s.waitingLocks, `${r.type} ${r.mode} ${r.rel ?? ''}`.trim(), Number(r.n));
        if (r.granted && r.type === 'relation' && r.mode === 'ShareRowExclusiveLock') tableLock = true;
      }
      if (tableLock) s.withTableLock++;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  } finally {
    await watcher.end();
  }
  return s;
}

async function transactions(): Promise<{ commits: number; rollbacks: number }> {
  return admin(async (c) => {
    const row = (
      await c.query('SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = $1', [name])
    ).rows[0];
    return { commits: Number(row.c), rollbacks: Number(row.r) };
  });
}

async function main() {
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const servers: Running[] = [];
  try {
    const owners = await seed();
    for (let i = 0; i < 2; i++) servers.push(await start('product', url, { root: checkout, cpus: '0-1' }));
    const counts: Counts = { requests: 0, failures: 0 };
    const before = await transactions();
    let done = false;
    const sampling = sampler(() => done);
    const started = performance.now();
    await Promise.all(owners.map((o, i) => client(servers[i % 2]!.url, o, started + SECONDS * 1000, counts)));
    const seconds = (performance.now() - started) / 1000;
    done = true;
    const samples = await sampling;
    for (const s of servers) await s.stop();
    servers.length = 0;
    // pg_stat_database is updated when a backend ends its transaction and reports; the servers have stopped.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await transactions();
    const rollbacks = after.rollbacks - before.rollbacks;
    const report = {
      checkout,
      clients: CLIENTS,
      seconds: Number(seconds.toFixed(1)),
      requests: counts.requests,
      rps: Number((counts.requests / seconds).toFixed(0)),
      failures: counts.failures,
      firstFailure: counts.firstFailure,
      commits: after.commits - before.commits,
      rollbacks,
      rollbacksPerRequest: Number((rollbacks / counts.requests).toFixed(3)),
      samples: samples.taken,
      samplesWithLockWait: `${((100 * samples.withLockWait) / samples.taken).toFixed(0)} %`,
      samplesWithTableLock: `${((100 * samples.withTableLock) / samples.taken).toFixed(0)} %`,
      waitsByEvent: samples.waitsByEvent,
      waitingLocks: samples.waitingLocks,
      predicateLocksPerSample: Object.fromEntries(
        Object.entries(samples.predicateLocks)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, Number((n / samples.taken).toFixed(1))]),
      ),
    };
    console.log(JSON.stringify(report, null, 1));
  } finally {
    for (const s of servers) await s.stop();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
