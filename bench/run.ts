import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { config, QUICK, RATE_SHARES } from './config.js';
import { paced, saturate, type PhaseResult } from './load.js';
import { limitNested, operations, type Operation, type Sample } from './ops.js';
import { productAnswers, type ProductAnswers } from './answers.js';
import { BENCH_POSTGRES, PgDatabases, type PostgresInfo } from './postgres.js';
import { runPgWrites, type PgWriteSample } from './pg-writes.js';
import { runProcesses, type Backend, type ProcessSample } from './processes.js';
import { writeReport } from './report.js';
import { runCostLimit, type CostLimitResults } from './cost-limit.js';
import { runLimitsOverhead, type LimitsOverheadResults } from './limits-overhead.js';
import { runScale } from './scale.js';
import { copyTemplate, seedTemplate, type World } from './seed.js';
import { coldStart, cores, cpuSeconds, hasTaskset, pinSelf, ROOT, start, type Kind, type Running } from './servers.js';
import { soak } from './soak.js';
import { countNestedStatements } from './statements.js';

/** A column of the table: which server, spoken to how. */
export type Target =
  | 'limit'
  | 'rest'
  | 'graphql'
  | 'apollo'
  | 'limitNested'
  | 'restPg'
  | 'graphqlPg'
  | 'limitPg'
  | 'limitNestedPg'
  | 'mercurius'
  | 'yogaPlain';
/** The servers of a repetition: the product and the limit run twice when PostgreSQL is on, once per backend. */
export type Server = Kind | 'productPg' | 'limitPg';
const SERVER_OF: Record<Target, Server> = {
  limit: 'limit',
  limitNested: 'limit',
  rest: 'product',
  graphql: 'product',
  apollo: 'apollo',
  restPg: 'productPg',
  graphqlPg: 'productPg',
  limitPg: 'limitPg',
  limitNestedPg: 'limitPg',
  mercurius: 'mercurius',
  yogaPlain: 'yogaPlain',
};
/** Targets measured at saturation only: the PostgreSQL column and the hand-written peers add no fixed-rate phases. */
const SATURATION_ONLY = new Set<Target>(['restPg', 'graphqlPg', 'limitPg', 'limitNestedPg', 'mercurius', 'yogaPlain']);
/** The hand-written GraphQL peers (bench/mercurius, bench/yoga-plain): every answer checked against the product's. */
const HAND_WRITTEN = new Set<Target>(['mercurius', 'yogaPlain']);

export interface SampleResult {
  rep: number;
  op: string;
  target: Target;
  saturation: PhaseResult;
  /** Server CPU per request during the saturation phase, µs (from /proc); absent in older results. */
  serverCpuUs?: number;
  /** share of the limit's peak → the phase at that rate */
  rates: Record<string, PhaseResult & { rate: number }>;
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function targetsOf(op: Operation, postgres: boolean): Target[] {
  const sqlite: Target[] =
    op.name === 'listCollections'
      ? ['limit', 'rest', 'graphql', 'apollo', 'limitNested']
      : ['limit', 'rest', 'graphql', 'apollo'];
  sqlite.push('mercurius', 'yogaPlain');
  const pg: Target[] =
    op.name === 'listCollections'
      ? ['restPg', 'graphqlPg', 'limitPg', 'limitNestedPg']
      : ['restPg', 'graphqlPg', 'limitPg'];
  return postgres ? [...sqlite, ...pg] : sqlite;
}

/**
 * Items of consuming operations are used once per database: the REST and GraphQL targets of the
 * product share one server, so they share one counter. Past the pool a run would fail.
 */
function sampler(
  world: World,
  op: Operation,
  target: Target,
  counters: Map<string, number>,
  scope: string,
  answers?: ProductAnswers,
): () => Sample {
  const key = `${scope}/${SERVER_OF[target]}/${op.name}`;
  return () => {
    const i = counters.get(key) ?? 0;
    counters.set(key, i + 1);
    if (op.consumes && i >= config.pool) throw new Error(`${op.name}: pool of ${config.pool} spent; raise config.pool`);
    if (target === 'limitNested' || target === 'limitNestedPg') return limitNested(world);
    if (HAND_WRITTEN.has(target)) return answers!.checked(op, op.graphql(world, i));
    return target === 'graphql' || target === 'apollo' || target === 'graphqlPg'
      ? op.graphql(world, i)
      : op.rest(world, i);
  };
}

/** The limit surface a target is held against: the nested page for GraphQL lists. */
export const limitFor = (op: string, target: Target): Target =>
  op === 'listCollections' && (target === 'graphql' || target === 'apollo' || target === 'limitNested')
    ? 'limitNested'
    : 'limit';

/** The PostgreSQL databases of this run, dropped at the end (and when the run fails). */
let pg: PgDatabases | undefined;

function check(result: PhaseResult, where: string): void {
  if (result.failures > 0)
    throw new Error(`${where}: ${result.failures} failed responses; first: ${result.firstFailure}`);
}

async function main(): Promise<void> {
  pinSelf();
  const startedAt = new Date();
  const work = mkdtempSync(join(tmpdir(), 'music-bench-'));
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    sqlite: (new BetterSqlite3(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
    betterSqlite3: (await import('better-sqlite3/package.json', { with: { type: 'json' } })).default.version,
    kernel: execSync('uname -sr').toString().trim(),
    pinned: hasTaskset && cores > 1 ? 'server on core 0, load generator on core 1 (taskset)' : 'not pinned',
    commit: execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(),
    loadBefore: loadavg(),
    quick: QUICK,
    config,
  };
  log(
    `bench ${QUICK ? '(quick)' : '(full)'} in ${work}; load ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );

  const template = join(work, 'template.db');
  const world = await seedTemplate(template, { pool: config.pool, tenantPool: BENCH_POSTGRES ? config.tenantPool : 0 });
  let copies = 0;
  const fresh = () => copyTemplate(template, join(work, `run-${copies++}.db`));

  log("the product's answers to the peers' requests");
  const answers = await productAnswers(fresh(), world, operations);

  let postgres: PostgresInfo = {
    enabled: false,
    reason:
      'BENCH_POSTGRES was not set (it gives the URL of a PostgreSQL server where the benchmark may create and drop databases)',
  };
  if (BENCH_POSTGRES) {
    log('PostgreSQL template: the SQLite template copied row for row');
    ({ databases: pg, info: postgres } = await PgDatabases.create(BENCH_POSTGRES, template));
    log(`  ${postgres.enabled ? `PostgreSQL ${postgres.version}, ${postgres.templateSeconds.toFixed(1)} s` : ''}`);
  }

  // The limit's peak per operation sets the fixed rates for every target.
  log('calibrating the limit');
  const peaks: Partial<Record<string, number>> = {};
  const counters = new Map<string, number>();
  {
    const limit = await start('limit', fresh());
    for (const op of operations) {
      for (const target of targetsOf(op, false).filter((t) => SERVER_OF[t] === 'limit')) {
        const next = sampler(world, op, target, counters, 'calibration');
        await saturate(limit.url, next, { connections: config.connections, seconds: config.warmupSeconds });
        const result = await saturate(limit.url, next, {
          connections: config.connections,
          seconds: config.saturationSeconds,
        });
        check(result, `calibration ${op.name} ${target}`);
        peaks[`${op.name}/${target}`] = result.rps;
        log(`  ${op.name} ${target}: ${result.rps.toFixed(0)} req/s`);
      }
    }
    await limit.stop();
  }

  const samples: SampleResult[] = [];
  const memory: Results['memory'] = [];
  const pgTransactions: NonNullable<Results['pgTransactions']> = [];
  for (let rep = 1; rep <= config.repetitions; rep++) {
    log(`repetition ${rep}/${config.repetitions}`);
    const servers = new Map<Server, Running>();
    for (const kind of ['limit', 'product', 'apollo', 'mercurius', 'yogaPlain'] as const)
      servers.set(kind, await start(kind, fresh()));
    const pgUrl = await pg?.fresh();
    if (pgUrl) servers.set('productPg', await start('product', pgUrl));
    const pgLimitUrl = await pg?.fresh();
    if (pgLimitUrl) servers.set('limitPg', await start('limit', pgLimitUrl));
    for (const op of operations) {
      const targets = targetsOf(op, pg !== undefined);
      // Interleaved, and rotated each repetition so no target always runs first or last.
      const order = targets.map((_, i) => targets[(i + rep) % targets.length]!);
      for (const target of order) {
        const server = servers.get(SERVER_OF[target])!;
        const next = sampler(world, op, target, counters, `rep${rep}`, answers);
        const where = `rep ${rep} ${op.name} ${target}`;
        check(
          await saturate(server.url, next, { connections: config.connections, seconds: config.warmupSeconds }),
          `${where} warm-up`,
        );
        const cpuBefore = cpuSeconds(server.pid);
        const saturation = await saturate(server.url, next, {
          connections: config.connections,
          seconds: config.saturationSeconds,
        });
        const serverCpuUs = ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / saturation.requests;
        check(saturation, where);
        const rates: SampleResult['rates'] = {};
        const peak = peaks[`${op.name}/${limitFor(op.name, target)}`]!;
        for (const share of SATURATION_ONLY.has(target) ? [] : RATE_SHARES) {
          const rate = Math.max(1, Math.round(peak * share));
          const phase = await paced(server.url, next, { rate, seconds: config.rateSeconds });
          check(phase, `${where} at ${rate}/s`);
          rates[String(share)] = { ...phase, rate };
        }
        samples.push({ rep, op: op.name, target, saturation, serverCpuUs, rates });
        log(
          `  ${op.name.padEnd(26)} ${target.padEnd(11)} ${saturation.rps.toFixed(0).padStart(6)} req/s ${serverCpuUs.toFixed(0).padStart(5)} µs CPU/req  ` +
            `p99@50% ${rates['0.5'] ? `${rates['0.5'].p99.toFixed(2)} ms` : '(not measured)'}  loadgen ${(saturation.loadgenCpu * 100).toFixed(0)}%`,
        );
      }
    }
    for (const [kind, server] of servers) {
      const m = server.memory();
      memory.push({ rep, kind, rssAfter: m.rss, hwm: m.hwm });
      await server.stop();
    }
    if (pgUrl) {
      pgTransactions.push({ rep, ...(await pg!.transactions(pgUrl)) });
      await pg!.drop(pgUrl);
    }
    if (pgLimitUrl) await pg!.drop(pgLimitUrl);
  }

  let pgWrites: PgWriteSample[] | undefined;
  if (pg) {
    log('PostgreSQL writes: contended and spread, product and limit');
    pgWrites = await runPgWrites(world, pg, log);
  }

  log('one process against two on one database');
  const backends: Backend[] = [{ name: 'sqlite', fresh: async () => fresh(), dispose: async () => undefined }];
  if (pg) backends.push({ name: 'postgres', fresh: () => pg!.fresh(), dispose: (url) => pg!.drop(url) });
  const processes = await runProcesses(world, backends, log);

  log('scale curves');
  const scale = await runScale(work);
  log('SQL statements per nested page');
  const statements = await countNestedStatements(fresh(), world);
  log(`soak: ${config.soakRequests} requests`);
  const soakResult = await soak(fresh(), world, config.soakRequests);
  log('the operation cost limit: the most expensive admitted documents');
  const costLimit = await runCostLimit(work, log);
  log('what the cost budget and trusted documents cost per request');
  const limitsOverhead = await runLimitsOverhead(work, log, { path: template, world });
  log('cold starts');
  const cold: number[] = [];
  for (let i = 0; i < config.coldStarts; i++) cold.push(await coldStart(join(work, `cold-${i}`, 'music.db')));

  const results: Results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAfter: loadavg() },
    peaks,
    samples,
    memory,
    postgres,
    pgTransactions,
    ...(pgWrites ? { pgWrites } : {}),
    processes,
    scale,
    statements,
    soak: soakResult,
    coldStartMs: cold,
    costLimit,
    limitsOverhead,
  };
  const file = QUICK ? 'results.quick' : 'results';
  writeFileSync(join(ROOT, 'bench', `${file}.json`), `${JSON.stringify(results, null, 1)}\n`);
  writeReport(results, join(ROOT, 'bench', `${file}.md`), `${file}.json`);
  rmSync(work, { recursive: true, force: true });
  await pg?.dropAll();
  log(`wrote bench/${file}.md and bench/${file}.json`);
}

/** What results.json holds. */
export interface Results {
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown> & { loadBefore: number[]; loadAfter: number[]; config: typeof config };
  peaks: Partial<Record<string, number>>;
  samples: SampleResult[];
  memory: { rep: number; kind: Server; rssAfter: number; hwm: number }[];
  /** Absent in results written before the PostgreSQL column. */
  postgres?: PostgresInfo;
  /** Per repetition, the PostgreSQL database's committed and rolled-back transactions (retries roll back). */
  pgTransactions?: { rep: number; commits: number; rollbacks: number }[];
  /** The PostgreSQL write section (bench/pg-writes.ts). */
  pgWrites?: PgWriteSample[];
  /** One process against two on one database, per backend. */
  processes?: ProcessSample[];
  scale: Awaited<ReturnType<typeof runScale>>;
  statements: Awaited<ReturnType<typeof countNestedStatements>>;
  soak: Awaited<ReturnType<typeof soak>>;
  coldStartMs: number[];
  /** Absent in results written before the cost limit was measured. */
  costLimit?: CostLimitResults;
  limitsOverhead?: LimitsOverheadResults;
}

main().catch(async (error) => {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  await pg?.dropAll().catch((e) => log(`could not drop the PostgreSQL databases: ${e}`));
  process.exit(1);
});
