// Crash harness: runs the real server under a mixed write load from several clients, kills it
// with SIGKILL at a random moment, checks the file while the server is down (integrity, foreign
// keys, position invariants, and every acknowledged write present), restarts it on the same
// file, and repeats. `ROUNDS` (default 100), `CLIENTS` (default 4) and `SEED` (repeats the random
// choices, though not the timing) are read from the environment. Exits non-zero on the first
// violation and keeps the database for inspection.
//
// WAL with synchronous=NORMAL may lose the last commits on power loss, never on a process crash:
// a commit is in the WAL (in the OS page cache) before the client is answered, so a SIGKILL
// must lose nothing that was acknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { differences, readSnapshot, type Snapshot } from './crash/database.js';
import { apply, emptyState, nextOp, seededRandom, toHttp, type Op, type State } from './crash/model.js';
import { seedDemo, startServer, type Demo } from './crash/process.js';

const ROUNDS = Number(process.env.ROUNDS ?? 100);
const CLIENTS = Number(process.env.CLIENTS ?? 4);
const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
// The load runs this long (uniformly random) before the kill; long enough for many commits.
const KILL_AFTER_MS = [50, 1500] as const;

interface Client {
  index: number;
  state: State;
  /** The write in flight when the server died: it may or may not have committed. */
  pending: Op | null;
  seq: number;
}

const random = seededRandom(SEED);
const dir = mkdtempSync(join(tmpdir(), 'music-gateway-crash-'));
const path = join(dir, 'music.db');
const stats = { acknowledged: 0, verified: 0, inFlightCommitted: 0, inFlightLost: 0, requests: 0, apiReads: 0 };
const failures: string[] = [];

function fail(message: string): void {
  failures.push(message);
  console.error(`FAIL ${message}`);
}

async function call(url: string, demo: Demo, op: Op): Promise<{ status: number; body: any }> {
  const http = toHttp(demo.organization_id, op);
  const response = await fetch(url + http.path, {
    method: http.method,
    headers: { 'x-api-key': demo.key, ...(http.body ? { 'content-type': 'application/json' } : {}) },
    body: http.body ? JSON.stringify(http.body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  // Acknowledged means the whole answer arrived, not only its status line.
  return { status: response.status, body: await response.json() };
}

/** One request at a time until the server is gone; a write counts once its 2xx has been read. */
async function drive(client: Client, url: string, demo: Demo, killed: () => boolean): Promise<number> {
  let acknowledged = 0;
  while (!killed()) {
    const op = nextOp(client.state, random, `crash c${client.index} #${client.seq++}`);
    client.pending = op;
    stats.requests++;
    let answer: { status: number; body: any };
    try {
      answer = await call(url, demo, op);
    } catch {
      return acknowledged; // the server died with this write in flight: outcome unknown
    }
    const expected = toHttp(demo.organization_id, op).status;
    if (answer.status !== expected) {
      fail(
        `client ${client.index}: ${op.kind} answered ${answer.status} (expected ${expected}): ${JSON.stringify(answer.body)}`,
      );
      return acknowledged; // stays pending: an error answer promises nothing either way
    }
    client.state = apply(client.state, op, answer.body?.id);
    client.pending = null;
    acknowledged++;
  }
  return acknowledged;
}

/** Settles the write in flight against the file, then compares the whole model with it. */
function verify(client: Client, snapshot: Snapshot): void {
  const op = client.pending;
  client.pending = null;
  let candidates: { state: State; committed: boolean }[] = [{ state: client.state, committed: false }];
  if (op?.kind === 'createCollection' || op?.kind === 'createTrack') {
    const id = snapshot.byLabel.get(op.kind === 'createCollection' ? op.name : op.title);
    if (id) candidates = [{ state: apply(client.state, op, id), committed: true }];
  } else if (op) {
    candidates.unshift({ state: apply(client.state, op), committed: true });
  }
  const match = candidates.find((c) => differences(c.state, snapshot).length === 0);
  if (!match) {
    // Against the acknowledged state alone, the differences say which acknowledged write is lost.
    const diff = differences(client.state, snapshot);
    fail(
      `client ${client.index}: file disagrees with acknowledged writes (in flight: ${JSON.stringify(op)}):\n  ${diff.join('\n  ')}`,
    );
    return;
  }
  client.state = match.state;
  if (op) {
    if (match.committed) stats.inFlightCommitted++;
    else stats.inFlightLost++;
  }
}

/** Objects in the file that no client wrote: a write that committed twice or under the wrong id. */
function phantoms(clients: Client[], snapshot: Snapshot, demo: Demo): string[] {
  const known = new Set<string>([demo.collection_id, ...demo.track_ids]);
  for (const c of clients) for (const id of [...c.state.collections.keys(), ...c.state.tracks.keys()]) known.add(id);
  return [...snapshot.collections.keys(), ...snapshot.tracks.keys()].filter((id) => !known.has(id));
}

async function round(n: number, clients: Client[], demo: Demo): Promise<void> {
  const server = await startServer(path);
  let killed = false;
  const driving = clients.map((c) => drive(c, server.url, demo, () => killed));
  await sleep(KILL_AFTER_MS[0] + random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]));
  server.child.kill('SIGKILL');
  killed = true;
  const exit = await server.exited;
  if (exit.signal !== 'SIGKILL')
    fail(`round ${n}: server exited on its own (${exit.code}) before the kill: ${server.stderr()}`);
  const acknowledged = (await Promise.all(driving)).reduce((a, b) => a + b, 0);

  const snapshot = readSnapshot(path, demo.organization_id, demo.user_id);
  for (const v of snapshot.violations) fail(`round ${n}: ${v}`);
  for (const c of clients) verify(c, snapshot);
  const extra = phantoms(clients, snapshot, demo);
  if (extra.length) fail(`round ${n}: objects no client wrote: ${extra.slice(0, 5).join(' ')}`);
  stats.acknowledged += acknowledged;
  if (!failures.length) stats.verified += acknowledged;
  if (n % 10 === 0 || n === ROUNDS) {
    console.log(`round ${n}/${ROUNDS}: ${acknowledged} acknowledged this round, ${stats.verified} verified so far`);
  }
}

/** After the last crash: a clean start answers what the model says, and SIGTERM exits 0. */
async function finalRestart(clients: Client[], demo: Demo): Promise<void> {
  const server = await startServer(path);
  try {
    await compareThroughApi(server.url, clients, demo);
  } catch (error) {
    server.child.kill('SIGKILL'); // never leave a server behind
    throw error;
  }
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  if (exit.code !== 0) fail(`SIGTERM after the last round: exit ${exit.code ?? exit.signal}: ${server.stderr()}`);
  for (const v of readSnapshot(path, demo.organization_id, demo.user_id).violations) fail(`after clean shutdown: ${v}`);
}

async function compareThroughApi(url: string, clients: Client[], demo: Demo): Promise<void> {
  for (const client of clients) {
    for (const [id, c] of client.state.collections) {
      if (c.deleted) continue;
      const res = await fetch(`${url}/v1/music/${demo.organization_id}/collections/${id}/tracks?limit=500`, {
        headers: { 'x-api-key': demo.key },
      });
      const body: any = await res.json();
      const got =
        res.status === 200 ? body.items.map((i: { track_id: string }) => i.track_id).join() : `HTTP ${res.status}`;
      if (got !== c.entries.join()) fail(`after restart, ${id} lists [${got}], expected [${c.entries.join()}]`);
      stats.apiReads++;
    }
  }
}

const started = Date.now();
const demo = seedDemo(path);
const clients: Client[] = Array.from({ length: CLIENTS }, (_, index) => ({
  index,
  state: emptyState(),
  pending: null,
  seq: 0,
}));
console.log(`crash-test: ${ROUNDS} rounds, ${CLIENTS} clients, seed ${SEED}, database ${path}`);
let rounds = 0;
try {
  for (let n = 1; n <= ROUNDS && !failures.length; n++) {
    await round(n, clients, demo);
    rounds = n;
  }
  if (!failures.length) await finalRestart(clients, demo);
} catch (error) {
  // A server that does not come back up on the crashed file is a failure too.
  fail(`round ${rounds + 1}: ${error instanceof Error ? error.message : String(error)}`);
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `crash-test: rounds=${rounds} writes_verified=${stats.verified} requests=${stats.requests} ` +
    `in_flight_at_kill=${stats.inFlightCommitted + stats.inFlightLost} (committed ${stats.inFlightCommitted}, not committed ${stats.inFlightLost}) ` +
    `api_reads_after_restart=${stats.apiReads} failures=${failures.length} seed=${SEED} time=${seconds}s`,
);
if (failures.length) {
  console.error(`database kept for inspection: ${path}`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
