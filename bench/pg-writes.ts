import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { config } from './config.js';
import { saturate, type PhaseResult } from './load.js';
import type { Sample } from './ops.js';
import { BENCH_POSTGRES, PgDatabases } from './postgres.js';
import { seedTemplate, SPREAD_OWNERS, type Tenant, type World } from './seed.js';
import { start, type Running } from './servers.js';

// The PostgreSQL write section: every write route, against the product and the PostgreSQL limit
// (bench/limit/postgres.ts), each on a fresh database per repetition, twice: every request on one
// owner's one collection ("contended") and spread over owners of one organization, each request
// as an owner with no other request in flight ("spread"), so that any lock wait there is one owner
// waiting on another. While each phase runs, pg_stat_activity is
// sampled every 10 ms for backends waiting on a lock; pg_stat_database gives the rollbacks.
// The contended product also runs with one connection: one writer at a time, the throughput
// serialising every write would give.
//
// `BENCH_POSTGRES=postgres://… npx tsx bench/pg-writes.ts [repetitions] [operation ...]` runs the
// section alone and prints its table; `npm run bench` runs it when BENCH_POSTGRES is set.

export type Placement = 'contended' | 'spread';
export type WriteTarget = 'product' | 'limit' | 'product1';

export const WRITE_OPS = [
  'createCollection',
  'addTrackToCollection',
  'removeTrackFromCollection',
  'deleteCollection',
  'deleteTrack',
] as const;
export type WriteOp = (typeof WRITE_OPS)[number];

export interface PgWriteSample {
  rep: number;
  op: WriteOp;
  placement: Placement;
  target: WriteTarget;
  connections: number;
  rps: number;
  p99: number;
  requests: number;
  /** answers that were not the documented success (5xx among them), and the first */
  failures: number;
  firstFailure?: string;
  /** transactions the database rolled back during the phase (retries; a failed request's too) */
  rollbacks: number;
  /**
   * distinct transactions seen waiting on a lock held by another transaction (a row, a
   * transaction, a table), sampled every 10 ms
   */
  lockWaits: number;
  /** the same for the lock PostgreSQL takes for an instant to add a page to a table (`extend`) */
  extendWaits: number;
  /** the samples, and those in which some backend waited on a lock */
  samples: number;
  samplesWithWait: number;
  /** CPU per request (µs) of the server process, and of the PostgreSQL backends serving its database */
  serverCpuUs: number;
  databaseCpuUs: number;
}

/** CPU seconds (user + system) of processes, from /proc; a process gone since counts nothing. */
function cpuSeconds(pids: Iterable<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // ended
    }
  }
  return out;
}

/** The backends connected to a database (its server runs on this machine, as the benchmark's does). */
async function backendsOf(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/**
 * Who the next request of a phase writes as: the hot owner, or (spread) the next owner in turn
 * that has no request in flight; `done` marks its answer in. (The load generator may build a
 * request it never sends as a phase ends; should every owner seem busy, the longest-taken one is
 * that request's.)
 */
function owners(world: World, placement: Placement) {
  const tenants = world.tenants;
  if (!tenants) throw new Error('the template has no tenants: seed it with tenantPool');
  const busy = new Map<Tenant, number>();
  let turn = 0;
  let taken = 0;
  return {
    take(): Tenant {
      if (placement === 'contended') return tenants.hot;
      const n = tenants.spread.length;
      let tenant: Tenant | undefined;
      for (let i = 0; i < n && !tenant; i++) {
        const candidate = tenants.spread[(turn + i) % n]!;
        if (!busy.has(candidate)) tenant = candidate;
      }
      tenant ??= [...busy].sort((a, b) => a[1] - b[1])[0]![0];
      turn = (tenants.spread.indexOf(tenant) + 1) % n;
      busy.set(tenant, taken++);
      return tenant;
    },
    done: (tenant: Tenant) => void busy.delete(tenant),
  };
}

const ack = (id: string) => (status: number, body: string) => {
  if (status !== 200) return `status ${status}: ${body.slice(0, 300)}`;
  return body.includes(`"id":${JSON.stringify(id)}`) ? null : `unexpected body: ${body.slice(0, 300)}`;
};

/** The write's request on the owner's item i; each item is used once per database. */
export function writeSample(world: World, op: WriteOp, tenant: Tenant, i: number): Sample {
  const base = `/v1/music/${world.org}`;
  const headers = { 'x-api-key': tenant.who.key };
  const json = { ...headers, 'content-type': 'application/json' };
  const item = <T>(list: readonly T[], index: number): T => {
    const found = list[index];
    if (found === undefined) throw new Error(`${op}: item ${index} of ${list.length}; raise tenantPool`);
    return found;
  };
  switch (op) {
    case 'createCollection': {
      const name = `Write ${i}`;
      return {
        call: { method: 'POST', path: `${base}/collections`, headers: json, body: JSON.stringify({ name }) },
        check: (status, body) =>
          status === 201 && body.includes(JSON.stringify(name)) ? null : `status ${status}: ${body.slice(0, 300)}`,
      };
    }
    case 'addTrackToCollection': {
      const track = item(tenant.tracks, i);
      return {
        call: {
          method: 'POST',
          path: `${base}/collections/${tenant.addCollection}/tracks`,
          headers: json,
          body: JSON.stringify({ track_id: track }),
        },
        check: ack(track),
      };
    }
    case 'removeTrackFromCollection': {
      const track = item(tenant.tracks, tenant.tracks.length - 1 - i);
      return {
        call: { method: 'DELETE', path: `${base}/collections/${tenant.removeCollection}/tracks/${track}`, headers },
        check: ack(track),
      };
    }
    case 'deleteCollection': {
      const id = item(tenant.deletableCollections, i);
      return { call: { method: 'DELETE', path: `${base}/collections/${id}`, headers }, check: ack(id) };
    }
    case 'deleteTrack': {
      const id = item(tenant.deletableTracks, tenant.deletableTracks.length - 1 - i);
      return { call: { method: 'DELETE', path: `${base}/tracks/${id}`, headers }, check: ack(id) };
    }
  }
}

/** Lock waits of one database while a phase runs. */
function watchLocks(url: string) {
  const seen = new Set<string>();
  const extending = new Set<string>();
  let samples = 0;
  let withWait = 0;
  let stopped = false;
  const running = (async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      while (!stopped) {
        const { rows } = await client.query<{ pid: number; xact_start: Date | null; wait_event: string }>(
          `SELECT pid, xact_start, wait_event FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
        );
        samples++;
        if (rows.some((r) => r.wait_event !== 'extend')) withWait++;
        for (const r of rows) (r.wait_event === 'extend' ? extending : seen).add(`${r.pid} ${r.xact_start?.getTime()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await client.end();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await running;
      return { lockWaits: seen.size, extendWaits: extending.size, samples, samplesWithWait: withWait };
    },
  };
}

async function rollbacksOf(databases: PgDatabases, url: string): Promise<number> {
  // An idle backend reports its counts within a second (PostgreSQL's stats flush interval).
  await new Promise((r) => setTimeout(r, 1200));
  return (await databases.transactions(url)).rollbacks;
}

export async function runPgWrites(
  world: World,
  databases: PgDatabases,
  log: (line: string) => void,
  repetitions = config.repetitions,
  ops: readonly WriteOp[] = WRITE_OPS,
): Promise<PgWriteSample[]> {
  const samples: PgWriteSample[] = [];
  for (let rep = 1; rep <= repetitions; rep++) {
    const servers = new Map<'product' | 'limit', { running: Running; url: string }>();
    try {
      for (const kind of ['product', 'limit'] as const) {
        const url = await databases.fresh();
        servers.set(kind, { running: await start(kind, url), url });
      }
      const counters = new Map<string, number>();
      for (const op of ops) {
        for (const placement of ['contended', 'spread'] as const) {
          const targets: WriteTarget[] =
            placement === 'contended' ? ['product', 'limit', 'product1'] : ['product', 'limit'];
          // Rotated each repetition, so no target always runs first.
          for (const target of targets.map((_, i) => targets[(i + rep) % targets.length]!)) {
            const server = servers.get(target === 'limit' ? 'limit' : 'product')!;
            // Items are used once per database and owner, whichever target of that server asked.
            let who = owners(world, placement);
            const next = (): Sample => {
              const tenant = who.take();
              const key = `${target === 'limit' ? 'limit' : 'product'}/${op}/${tenant.who.userId}`;
              const i = counters.get(key) ?? 0;
              counters.set(key, i + 1);
              const sample = writeSample(world, op, tenant, i);
              return {
                call: sample.call,
                check: (status, body) => {
                  who.done(tenant);
                  return sample.check(status, body);
                },
              };
            };
            const connections = target === 'product1' ? 1 : config.connections;
            await saturate(server.running.url, next, { connections, seconds: config.warmupSeconds });
            who = owners(world, placement);
            const before = await rollbacksOf(databases, server.url);
            const backends = await backendsOf(server.url);
            const cpuBefore = cpuSeconds([server.running.pid, ...backends]);
            const watch = watchLocks(server.url);
            const phase: PhaseResult = await saturate(server.running.url, next, {
              connections,
              seconds: config.saturationSeconds,
            });
            const locks = await watch.stop();
            const cpuAfter = cpuSeconds(new Set([server.running.pid, ...backends, ...(await backendsOf(server.url))]));
            const used = (pid: number) => (cpuAfter.get(pid) ?? cpuBefore.get(pid) ?? 0) - (cpuBefore.get(pid) ?? 0);
            const perRequest = (seconds: number) => (seconds * 1e6) / Math.max(1, phase.requests);
            const serverCpuUs = perRequest(used(server.running.pid));
            const databaseCpuUs = perRequest(
              [...cpuAfter.keys()].filter((pid) => pid !== server.running.pid).reduce((sum, pid) => sum + used(pid), 0),
            );
            const rollbacks = (await rollbacksOf(databases, server.url)) - before;
            const sample: PgWriteSample = {
              rep,
              op,
              placement,
              target,
              connections,
              rps: phase.rps,
              p99: phase.p99,
              requests: phase.requests,
              failures: phase.failures,
              ...(phase.firstFailure ? { firstFailure: phase.firstFailure } : {}),
              rollbacks,
              ...locks,
              serverCpuUs,
              databaseCpuUs,
            };
            samples.push(sample);
            log(
              `  ${op.padEnd(26)} ${placement.padEnd(9)} ${target.padEnd(8)} ${phase.rps.toFixed(0).padStart(6)} req/s  ` +
                `${rollbacks} rollbacks, ${locks.lockWaits} lock waits (+${locks.extendWaits} extend), ${phase.failures} failures, ` +
                `CPU per request ${serverCpuUs.toFixed(0)} µs server + ${databaseCpuUs.toFixed(0)} µs PostgreSQL`,
            );
          }
        }
      }
    } finally {
      for (const { running, url } of servers.values()) {
        await running.stop();
        await databases.drop(url);
      }
    }
  }
  return samples;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** The section's markdown (for bench/report.ts). */
export function pgWritesSection(samples: readonly PgWriteSample[] | undefined): string[] {
  const lines = ['', '## PostgreSQL writes: one contended collection, and spread over many owners', ''];
  if (!samples?.length) return [...lines, 'Not measured in this run (it needs BENCH_POSTGRES).'];
  const pick = (op: string, placement: Placement, target: WriteTarget) =>
    samples.filter((s) => s.op === op && s.placement === placement && s.target === target);
  const per1000 = (xs: PgWriteSample[], field: 'rollbacks' | 'lockWaits' | 'extendWaits' | 'failures') => {
    const requests = xs.reduce((n, s) => n + s.requests, 0);
    return requests ? (1000 * xs.reduce((n, s) => n + (s[field] ?? 0), 0)) / requests : NaN;
  };
  const ratio = (op: string, placement: Placement, a: WriteTarget, b: WriteTarget) => {
    const r = pick(op, placement, a).flatMap((x) => {
      const y = pick(op, placement, b).find((s) => s.rep === x.rep);
      return y ? [x.rps / y.rps] : [];
    });
    return r.length ? `${f(median(r))} (${f(Math.min(...r))}–${f(Math.max(...r))})` : 'n/a';
  };
  lines.push(
    '| operation | placement | limit req/s | product req/s | product ÷ limit | CPU per request, µs: product + its PostgreSQL / limit + its PostgreSQL | rollbacks per 1,000 (product / limit) | lock waits per 1,000 (product / limit) | page-extension waits per 1,000 (product / limit) | failed per 1,000 (product) | product, 1 connection | 16 ÷ 1 |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const op of WRITE_OPS.filter((o) => samples.some((s) => s.op === o))) {
    for (const placement of ['contended', 'spread'] as const) {
      const rps = (t: WriteTarget) => f(median(pick(op, placement, t).map((s) => s.rps)), 0);
      const product = pick(op, placement, 'product');
      const limit = pick(op, placement, 'limit');
      const cpu = (xs: PgWriteSample[]) =>
        `${f(median(xs.map((x) => x.serverCpuUs)), 0)} + ${f(median(xs.map((x) => x.databaseCpuUs)), 0)}`;
      lines.push(
        `| ${op} | ${placement} | ${rps('limit')} | ${rps('product')} | ${ratio(op, placement, 'product', 'limit')} | ${cpu(product)} / ${cpu(limit)} | ` +
          `${f(per1000(product, 'rollbacks'))} / ${f(per1000(limit, 'rollbacks'))} | ${f(per1000(product, 'lockWaits'))} / ${f(per1000(limit, 'lockWaits'))} | ` +
          `${f(per1000(product, 'extendWaits'))} / ${f(per1000(limit, 'extendWaits'))} | ` +
          `${f(per1000(product, 'failures'))} | ${placement === 'contended' ? rps('product1') : ''} | ${placement === 'contended' ? ratio(op, placement, 'product', 'product1') : ''} |`,
      );
    }
  }
  const reps = new Set(samples.map((s) => s.rep)).size;
  lines.push(
    '',
    `Method: ${reps} repetitions; per repetition a fresh database for the product and one for the PostgreSQL limit (bench/limit/postgres.ts: the product's statements in the same transactions, with the same row locks, by hand), each a copy of the benchmark's template. ` +
      `Each write runs contended (every request on one owner's one collection: adds to it, removes and track deletes from its end, deletes of that owner's collections, creates by that owner) and spread (over ${SPREAD_OWNERS} owners of one organization, each request as an owner with no other request in flight, on that owner's rows: a lock wait there is one owner waiting on another), ` +
      `targets interleaved and rotated per repetition; ${config.warmupSeconds} s warm-up, ${config.saturationSeconds} s at saturation with ${config.connections} connections (the contended product also with 1: one writer at a time). ` +
      'CPU per request: the server process and the PostgreSQL backends connected to its database (the server runs on this machine), from /proc, medians; it survives a loaded machine better than throughput. ' +
      'Rollbacks: pg_stat_database over the phase (a retried transaction, or a request that failed). Lock waits: distinct transactions seen waiting on a lock held by another transaction in pg_stat_activity, sampled every 10 ms (a lower bound: shorter waits between samples are missed); page-extension waits (`extend`: the instant PostgreSQL holds a table while adding a page to it, whoever the inserting transactions belong to) are counted apart. ' +
      'Removes and track deletes take items from the end of their collection, so no request renumbers other entries and every request does the same work.',
  );
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!BENCH_POSTGRES)
    throw new Error('BENCH_POSTGRES must name a PostgreSQL server where databases may be created and dropped');
  const [repetitionsArg = '3', ...picked] = process.argv.slice(2);
  const repetitions = Number(repetitionsArg);
  const ops = picked.length ? (picked as WriteOp[]) : WRITE_OPS;
  for (const op of ops)
    if (!WRITE_OPS.includes(op)) throw new Error(`unknown write ${op}; one of ${WRITE_OPS.join(', ')}`);
  const work = mkdtempSync(join(tmpdir(), 'music-pg-writes-'));
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  let databases: PgDatabases | undefined;
  try {
    const template = join(work, 'template.db');
    log('seeding');
    const world = await seedTemplate(template, { pool: 10, tenantPool: config.tenantPool });
    ({ databases } = await PgDatabases.create(BENCH_POSTGRES, template));
    const samples = await runPgWrites(world, databases, log, repetitions, ops);
    console.log(pgWritesSection(samples).join('\n'));
    console.log(`\n<!-- raw -->\n${JSON.stringify(samples)}`);
  } finally {
    await databases?.dropAll();
    rmSync(work, { recursive: true, force: true });
  }
}
