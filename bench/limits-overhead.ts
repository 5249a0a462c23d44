import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { createLogger } from '../src/ops/logger.js';
import { routes } from '../src/rest/routes.js';
import { saturate } from './load.js';
import type { Sample } from './ops.js';
import { BENCH_POSTGRES, PgDatabases } from './postgres.js';
import { copyTemplate, READ_COLLECTION_TRACKS, seedTemplate, type World } from './seed.js';
import { pinSelf, ROOT, start, type Running } from './servers.js';

// What the limits cost per request, measured side by side, interleaved, five rounds, medians of
// server CPU per request (from /proc) beside req/s at saturation:
// - the shared cost budget on against off (bucket of 100,000 points leased 5,000 at a time, a
//   restore rate high enough never to refuse), on SQLite and, with BENCH_POSTGRES, PostgreSQL;
// - a trusted document requested by id on /graphql against the same operation through the REST
//   shim (the route's own document, in a manifest).
// `npx tsx bench/limits-overhead.ts` runs it alone; `npm run bench` includes it.

const ROUNDS = 5;
const SECONDS = Number(process.env.LIMITS_SECONDS ?? 2);
const CONNECTIONS = 16;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const getCollectionRoute = routes.find(
  (r) => r.method === 'GET' && r.path === '/v1/music/:organization_id/collections/:collection_id',
)!;
const ROUTE_DOCUMENT_ID = `sha256:${createHash('sha256')
  .update(getCollectionRoute.document as string)
  .digest('hex')}`;

function restGet(world: World, k: number): Sample {
  const id = world.readCollections[k % world.readCollections.length]!;
  return {
    call: {
      method: 'GET',
      path: `/v1/music/${world.org}/collections/${id}`,
      headers: { 'x-api-key': world.reader.key },
    },
    check: (status, body) =>
      status === 200 && JSON.parse(body).track_count === READ_COLLECTION_TRACKS
        ? null
        : `${status} ${body.slice(0, 200)}`,
  };
}

function trustedGet(world: World, k: number): Sample {
  const id = world.readCollections[k % world.readCollections.length]!;
  return {
    call: {
      method: 'POST',
      path: '/graphql',
      headers: { 'x-api-key': world.reader.key, 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: ROUTE_DOCUMENT_ID, variables: { organizationId: world.org, id } }),
    },
    check: (status, body) => {
      const parsed = JSON.parse(body);
      return status === 200 && parsed.data?.collection?.track_count === READ_COLLECTION_TRACKS
        ? null
        : `${status} ${body.slice(0, 200)}`;
    },
  };
}

export interface Side {
  label: string;
  cpuUs: number;
  rps: number;
  p50: number;
}

export interface Comparison {
  name: string;
  a: Side;
  b: Side;
  /** b's server CPU per request ÷ a's, medians of the rounds. */
  cpuRatio: number;
}

/** Two servers, one phase each per round, alternating which goes first. */
async function compare(
  name: string,
  sides: [
    { label: string; server: Running; next: () => Sample },
    { label: string; server: Running; next: () => Sample },
  ],
  log: (line: string) => void,
): Promise<Comparison> {
  const cpu: number[][] = [[], []];
  const rps: number[][] = [[], []];
  const p50: number[][] = [[], []];
  for (const side of sides) await saturate(side.server.url, side.next, { connections: CONNECTIONS, seconds: 1 });
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const { server, next } = sides[i]!;
      const before = cpuSeconds(server.pid);
      const phase = await saturate(server.url, next, { connections: CONNECTIONS, seconds: SECONDS });
      if (phase.failures > 0)
        throw new Error(`${name} ${sides[i]!.label}: ${phase.failures} failures; first: ${phase.firstFailure}`);
      cpu[i]!.push(((cpuSeconds(server.pid) - before) * 1e6) / phase.requests);
      rps[i]!.push(phase.rps);
      p50[i]!.push(phase.p50);
    }
  }
  const side = (i: number): Side => ({
    label: sides[i]!.label,
    cpuUs: median(cpu[i]!),
    rps: median(rps[i]!),
    p50: median(p50[i]!),
  });
  const result = { name, a: side(0), b: side(1), cpuRatio: median(cpu[1]!) / median(cpu[0]!) };
  log(
    `  ${name}: ${result.a.label} ${result.a.cpuUs.toFixed(0)} µs, ${result.b.label} ${result.b.cpuUs.toFixed(0)} µs per request (×${result.cpuRatio.toFixed(3)}); ${result.a.rps.toFixed(0)} vs ${result.b.rps.toFixed(0)} req/s`,
  );
  return result;
}

export interface LimitsOverheadResults {
  comparisons: Comparison[];
  /** The budget's cost in-process (app.fetch, no sockets): finer than /proc's 10 ms ticks. */
  inProcess?: InProcessBudget[];
}

export interface InProcessBudget {
  capacity: number;
  leaseSize: number;
  off: number;
  on: number;
  ratio: number;
  leases: number;
  requests: number;
}

/**
 * The budget on against off in one process on SQLite, app.fetch without sockets, CPU from
 * process.cpuUsage: batches of 2,000 REST gets alternating between two apps on copies of one
 * database, 15 rounds, the median of the rounds' on ÷ off. It resolves what /proc's ticks on a loaded machine cannot. A lease
 * is a twentieth of the bucket; the restore rate is high enough never to refuse.
 */
export async function inProcessBudget(
  capacity: number,
  fresh: () => string | Promise<string>,
  world: World,
  log: (line: string) => void,
): Promise<InProcessBudget> {
  const logger = createLogger({ level: 'info', destination: createWriteStream('/dev/null') as never });
  let leases = 0;
  const app = async (on: boolean): Promise<App> =>
    createApp({
      // Leases are the statements on cost_buckets (on PostgreSQL they run outside any transaction).
      database: await openDatabase(
        await fresh(),
        on ? { onStatement: (sql) => void (sql.includes('cost_buckets') && leases++) } : {},
      ),
      logger,
      costLimit: 100_000,
      costBudget: on ? { capacity, restorePerSecond: 100_000_000 } : undefined,
    });
  const apps = { off: await app(false), on: await app(true) };
  let k = 0;
  const batch = async (target: App, n: number) => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const { call, check } = restGet(world, k++);
      const res = await target.fetch(
        new Request(`http://bench${call.path}`, { method: call.method, headers: call.headers }),
      );
      const problem = check(res.status, await res.text());
      if (problem) throw new Error(problem);
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  };
  await batch(apps.off, 1000);
  await batch(apps.on, 1000);
  const samples = { off: [] as number[], on: [] as number[] };
  leases = 0;
  let requests = 0;
  for (let round = 0; round < 15; round++) {
    for (const side of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      samples[side].push(await batch(apps[side], 2000));
      if (side === 'on') requests += 2000;
    }
  }
  await apps.off.close();
  await apps.on.close();
  // The ratio of each round's pair, then their median: the machine's load drifts between rounds.
  const ratio = median(samples.on.map((on, i) => on / samples.off[i]!));
  const result = {
    capacity,
    leaseSize: capacity / 20,
    off: median(samples.off),
    on: median(samples.on),
    ratio,
    leases,
    requests,
  };
  log(
    `  budget of ${capacity} in-process (SQLite, REST get): off ${result.off.toFixed(1)} µs, on ${result.on.toFixed(1)} µs per request (×${result.ratio.toFixed(3)}); ${leases} leases in ${requests} charged requests`,
  );
  return result;
}

const BUDGET_OFF = { COST_BUDGET: '0', GRAPHQL_COST_LIMIT: '100000' };
const BUDGET_ON = { COST_BUDGET: '100000', COST_BUDGET_RESTORE_PER_SECOND: '100000000', GRAPHQL_COST_LIMIT: '100000' };

export async function runLimitsOverhead(
  work: string,
  log: (line: string) => void,
  template?: { path: string; world: World },
): Promise<LimitsOverheadResults> {
  const seeded = template ?? {
    path: join(work, 'overhead-template.db'),
    world: await seedTemplate(join(work, 'overhead-template.db'), { pool: 1000 }),
  };
  const { world } = seeded;
  let copies = 0;
  const fresh = () => copyTemplate(seeded.path, join(work, `overhead-${copies++}.db`));
  const comparisons: Comparison[] = [];
  const pair = async (
    name: string,
    a: [string, string, Record<string, string>],
    b: [string, string, Record<string, string>],
    next: (k: number) => Sample,
  ) => {
    const servers = [await start('product', a[1], { env: a[2] }), await start('product', b[1], { env: b[2] })];
    let k = 0;
    try {
      comparisons.push(
        await compare(
          name,
          [
            { label: a[0], server: servers[0]!, next: () => next(k++) },
            { label: b[0], server: servers[1]!, next: () => next(k++) },
          ],
          log,
        ),
      );
    } finally {
      for (const s of servers) await s.stop();
    }
  };
  log('cost budget: off against on, in-process (SQLite)');
  // The default bucket (2,000,000 points, leased 100,000 at a time) and a small one (100,000, leased 5,000).
  const inProcess = [
    await inProcessBudget(2_000_000, fresh, world, log),
    await inProcessBudget(100_000, fresh, world, log),
  ];
  if (process.env.LIMITS_INPROCESS_ONLY) return { comparisons, inProcess };
  log('cost budget: off against on (SQLite)');
  await pair('budget, REST get (SQLite)', ['off', fresh(), BUDGET_OFF], ['on', fresh(), BUDGET_ON], (k) =>
    restGet(world, k),
  );
  if (BENCH_POSTGRES) {
    log('cost budget: off against on (PostgreSQL)');
    const { databases } = await PgDatabases.create(BENCH_POSTGRES, seeded.path);
    try {
      await pair(
        'budget, REST get (PostgreSQL)',
        ['off', await databases.fresh(), BUDGET_OFF],
        ['on', await databases.fresh(), BUDGET_ON],
        (k) => restGet(world, k),
      );
    } finally {
      await databases.dropAll();
    }
  }
  log('a trusted document by id against the same operation through the REST shim');
  const manifest = join(work, 'route-manifest.json');
  writeFileSync(manifest, JSON.stringify({ [ROUTE_DOCUMENT_ID]: getCollectionRoute.document }));
  const server = await start('product', fresh(), { env: { GRAPHQL_TRUSTED_DOCUMENTS: manifest } });
  let k = 0;
  try {
    comparisons.push(
      await compare(
        'get collection: REST route against the trusted document by id',
        [
          { label: 'REST', server, next: () => restGet(world, k++) },
          { label: 'trusted document', server, next: () => trustedGet(world, k++) },
        ],
        log,
      ),
    );
  } finally {
    await server.stop();
  }
  return { comparisons, inProcess };
}

/** The section `npm run bench` writes into results.md. */
export function limitsOverheadSection(results: LimitsOverheadResults | undefined): string[] {
  if (!results) return [];
  return [
    '',
    '## What the limits cost per request (bench/limits-overhead.ts)',
    '',
    `Side by side, interleaved, ${ROUNDS} rounds of ${SECONDS} s at saturation (${CONNECTIONS} connections), medians; server CPU per request from /proc.`,
    '',
    '| comparison | a | server CPU | req/s | p50 | b | server CPU | req/s | p50 | b ÷ a (CPU) |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...results.comparisons.map(
      (c) =>
        `| ${c.name} | ${c.a.label} | ${c.a.cpuUs.toFixed(0)} µs | ${c.a.rps.toFixed(0)} | ${c.a.p50.toFixed(2)} ms | ` +
        `${c.b.label} | ${c.b.cpuUs.toFixed(0)} µs | ${c.b.rps.toFixed(0)} | ${c.b.p50.toFixed(2)} ms | ×${c.cpuRatio.toFixed(3)} |`,
    ),
    ...(results.inProcess
      ? [
          '',
          "In-process (app.fetch, SQLite, REST get, 15 interleaved rounds of 2,000 requests; CPU per request, medians; on ÷ off is the median of the rounds' ratios):",
          '',
          '| bucket | lease | budget off | budget on | on ÷ off | leases / charged requests |',
          '| ---: | ---: | ---: | ---: | ---: | ---: |',
          ...results.inProcess.map(
            (r) =>
              `| ${r.capacity} | ${r.leaseSize} | ${r.off.toFixed(1)} µs | ${r.on.toFixed(1)} µs | ×${r.ratio.toFixed(3)} | ${r.leases} / ${r.requests} |`,
          ),
        ]
      : []),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinSelf();
  const work = mkdtempSync(join(tmpdir(), 'music-limits-overhead-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const results = await runLimitsOverhead(work, log);
  writeFileSync(join(ROOT, 'bench', 'limits-overhead.json'), `${JSON.stringify(results, null, 1)}\n`);
  log(limitsOverheadSection(results).join('\n'));
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
