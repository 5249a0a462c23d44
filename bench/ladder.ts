import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Request } from '@whatwg-node/fetch';
import DataLoader from 'dataloader';
import { execute, parse, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { createSchema } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { createApp } from '../src/app.js';
import { openDatabase, type Database } from '../src/db/connection.js';
import { newId } from '../src/db/ids.js';
import {
  createCollection,
  deleteCollection,
  entryRange,
  getCollection,
  listCollections,
  loadEntryRanges,
} from '../src/domain/collections.js';
import type { Deps } from '../src/domain/deps.js';
import { loadLiveTracks } from '../src/domain/tracks.js';
import { authenticate } from '../src/domain/viewer.js';
import { getSchema } from '../src/graphql/schema.js';
import { createGraphQLHandler } from '../src/graphql/yoga.js';
import { presentedKeyHash } from '../src/http/credential.js';
import { createLogger, silentLogger } from '../src/ops/logger.js';
import { createMetrics, type Metrics } from '../src/ops/metrics.js';
import { loaders, newContext, resolvers, typeDefs, type Context, type LoaderQuery } from './mercurius/schema.js';
import { openStore, type Store } from './mercurius/store.js';
import { operations, type Operation, type Sample } from './ops.js';
import { copyTemplate, seedTemplate, type World } from './seed.js';
import { hasTaskset } from './servers.js';

// `npx tsx bench/ladder.ts [rounds] [operation ...]`: where a GraphQL request's CPU goes, by
// taking layers away one at a time, in-process (no sockets), one request at a time, on one copy
// of the benchmark's database. Each rung answers the same documents as the benchmark and is
// checked; rungs run interleaved (rotated each round) and report CPU µs per request, median of
// the rounds. The product's rungs, outermost first:
//   app        app.fetch as the server calls it (@whatwg-node Request in, Response text out),
//              logging at info to /dev/null and metrics on, as benchmarked
//   -log       the same with a silent logger
//   -metrics   silent logger and no-op metrics
//   yoga       createGraphQLHandler().fetch: the lean path through yoga's envelop pipeline
//   jit+json   the compiled query (graphql-jit on the Pothos schema) and JSON.stringify of the result
//   jit        the compiled query alone
//   graphql-js execute() of the same document on the same schema (no jit), for reference
//   domain     the domain functions the resolvers call, composed by hand (drizzle on SQLite)
//   sql        the same statements, prepared once, through better-sqlite3 (the peers' store)
// and the hand-written peers' execution: their schema compiled by graphql-jit (mercurius's
// executor) or run by graphql-js (plain yoga's), with DataLoaders over their batch functions.
// Layer costs are differences between neighbouring rungs; the HTTP layer (sockets, the server
// adapter or Fastify) is what bench:peers' server CPU per request adds on top of the top rung.

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const noMetrics: Metrics = { registry: new Registry(), requestStarted() {}, requestFinished() {}, transaction() {} };

type Rung = { name: string; run: (sample: Sample, k: number) => Promise<void> };

const bodyOf = (s: Sample) => JSON.parse(s.call.body!) as { query: string; variables: Record<string, any> };
const secretOf = (s: Sample) => s.call.headers['x-api-key']!;
const fail = (why: string) => {
  throw new Error(why);
};
const expectOk = (sample: Sample, status: number, text: string) => {
  const problem = sample.check(status, text);
  if (problem) fail(problem);
};

/** graphql-jit, compiled once per document. */
function jitOf(schema: GraphQLSchema) {
  const compiled = new Map<string, CompiledQuery>();
  return (query: string) => {
    let c = compiled.get(query);
    if (!c) {
      const made = compileQuery(schema, parse(query));
      if (!isCompiledQuery(made)) throw new Error(`cannot compile ${query}`);
      compiled.set(query, (c = made));
    }
    return c;
  };
}
const documents = new Map<string, DocumentNode>();
const documentOf = (query: string) => documents.get(query) ?? documents.set(query, parse(query)).get(query)!;

function productRungs(database: Database): Rung[] {
  const devNull = createWriteStream('/dev/null') as never;
  const appWith = (logger: ReturnType<typeof silentLogger>, metrics: Metrics) =>
    createApp({ database, logger, metrics });
  const apps = {
    app: appWith(createLogger({ level: 'info', destination: devNull }), createMetrics()),
    '-log': appWith(silentLogger(), createMetrics()),
    '-metrics': appWith(silentLogger(), noMetrics),
  };
  const yoga = createGraphQLHandler({ introspection: true, fieldSuggestions: false });
  const schema = getSchema();
  const jit = jitOf(schema);
  const deps = (): Deps => ({
    database,
    now: Date.now,
    traceId: newId('req_'),
    origin: 'http://bench',
    facts: { errorCodes: new Set(), unexpected: [] },
  });
  const context = (sample: Sample) => {
    const d = deps();
    let viewer: ReturnType<typeof authenticate> | undefined;
    return { deps: d, viewer: () => (viewer ??= authenticate(d, secretOf(sample))) };
  };
  const request = (s: Sample) =>
    new Request(`http://bench${s.call.path}`, { method: s.call.method, headers: s.call.headers, body: s.call.body });
  const http =
    (fetch: (r: Request) => Promise<Response>): Rung['run'] =>
    async (sample) => {
      const response = await fetch(request(sample));
      expectOk(sample, response.status, await response.text());
    };
  return [
    ...Object.entries(apps).map(([name, app]) => ({ name, run: http((r) => app.fetch(r)) })),
    {
      name: 'yoga',
      run: http((r) =>
        yoga.fetch(r, {
          deps: deps(),
          keyHash: presentedKeyHash(r.headers),
          accounting: { budget: null, headers: {}, spent: 0 },
        }),
      ),
    },
    {
      name: 'jit+json',
      run: async (sample) => {
        const { query, variables } = bodyOf(sample);
        const result = await jit(query).query(undefined, context(sample), variables);
        expectOk(sample, 200, JSON.stringify(result));
      },
    },
    {
      name: 'jit',
      run: async (sample) => {
        const { query, variables } = bodyOf(sample);
        const result = (await jit(query).query(undefined, context(sample), variables)) as ExecutionResult;
        if (result.errors) fail(JSON.stringify(result.errors));
      },
    },
    {
      name: 'graphql-js',
      run: async (sample) => {
        const { query, variables } = bodyOf(sample);
        const result = await execute({
          schema,
          document: documentOf(query),
          variableValues: variables,
          contextValue: context(sample),
        });
        if (result.errors) fail(JSON.stringify(result.errors));
      },
    },
    {
      name: 'domain',
      run: async (sample) => {
        const { variables: v } = bodyOf(sample);
        const d = deps();
        const viewer = (await authenticate(d, secretOf(sample))) ?? fail('no viewer');
        const org = v.org as string;
        if (v.input) await createCollection(d, viewer, { organizationId: org, name: v.input.name });
        else if (v.c && !v.t) await deleteCollection(d, viewer, { organizationId: org, collectionId: v.c });
        else if (v.id && v.first) {
          const c = await getCollection(d, viewer, { organizationId: org, collectionId: v.id });
          const { start, end } = entryRange(c, { first: v.first, offset: v.offset });
          const [entries] = await loadEntryRanges(d, [{ collectionId: c.id, start, end }]);
          const tracks = await loadLiveTracks(
            d,
            entries!.map((e) => e.trackId),
          );
          if (tracks.size !== 50) fail(`tracks page: ${tracks.size} tracks`);
        } else if (v.id) await getCollection(d, viewer, { organizationId: org, collectionId: v.id });
        else if (v.tracks) {
          const page = await listCollections(d, viewer, { organizationId: org, page: { first: v.first } });
          const covers = [...new Set(page.items.flatMap((c) => (c.coverTrackId ? [c.coverTrackId] : [])))];
          const ranges = page.items.map((c) => {
            const { start, end } = entryRange(c, { first: v.tracks });
            return { collectionId: c.id, start, end };
          });
          const [, entries] = await Promise.all([loadLiveTracks(d, covers), loadEntryRanges(d, ranges)]);
          const tracks = await loadLiveTracks(d, [...new Set(entries.flat().map((e) => e.trackId))]);
          if (page.items.length !== 50 || tracks.size === 0) fail('nested page');
        } else fail(`no domain rung for ${sample.call.body}`);
      },
    },
  ];
}

function peerRungs(store: Store): Rung[] {
  type LoaderContext = Context & { loaders: Record<string, DataLoader<LoaderQuery, unknown>> };
  const batched = Object.fromEntries(
    Object.keys(loaders.Collection).map((field) => [
      field,
      (obj: LoaderQuery['obj'], params: LoaderQuery['params'], ctx: LoaderContext) =>
        ctx.loaders[field]!.load({ obj, params }),
    ]),
  );
  const schema = createSchema({ typeDefs, resolvers: [resolvers, { Collection: batched }] });
  const jit = jitOf(schema);
  const context = (sample: Sample): LoaderContext => {
    const ctx = newContext(store, secretOf(sample)) as LoaderContext;
    ctx.loaders = Object.fromEntries(
      Object.entries(loaders.Collection as Record<string, (q: LoaderQuery[], c: Context) => Promise<unknown[]>>).map(
        ([field, batch]) => [field, new DataLoader<LoaderQuery, unknown>((keys) => batch([...keys], ctx))],
      ),
    );
    return ctx;
  };
  return [
    {
      name: 'peer jit+json',
      run: async (sample) => {
        const { query, variables } = bodyOf(sample);
        expectOk(sample, 200, JSON.stringify(await jit(query).query(undefined, context(sample), variables)));
      },
    },
    {
      name: 'peer graphql-js+json',
      run: async (sample) => {
        const { query, variables } = bodyOf(sample);
        const result = await execute({
          schema,
          document: documentOf(query),
          variableValues: variables,
          contextValue: context(sample),
        });
        expectOk(sample, 200, JSON.stringify(result));
      },
    },
    {
      name: 'sql',
      run: async (sample) => {
        const { variables: v } = bodyOf(sample);
        const viewer = store.authenticate(secretOf(sample)) ?? fail('no viewer');
        const org = v.org as string;
        const traceId = newId('req_');
        if (v.input) store.createCollection(viewer, org, { name: v.input.name }, traceId);
        else if (v.c && !v.t) store.deleteCollection(viewer, org, v.c, traceId);
        else if (v.id && v.first) {
          const c = store.getCollection(viewer, org, v.id);
          const range = store.entryRange(c, { first: v.first, offset: v.offset });
          const [entries] = store.entriesInRanges([{ collectionId: c.id, ...range }]);
          if (store.liveTracks(entries!.map((e) => e.trackId)).size !== 50) fail('tracks page');
        } else if (v.id) store.getCollection(viewer, org, v.id);
        else if (v.tracks) {
          const page = store.listCollections(viewer, org, { first: v.first });
          store.liveTracks([...new Set(page.rows.flatMap((c) => (c.coverTrackId ? [c.coverTrackId] : [])))]);
          const entries = store.entriesInRanges(
            page.rows.map((c) => ({ collectionId: c.id, ...store.entryRange(c, { first: v.tracks }) })),
          );
          if (store.liveTracks([...new Set(entries.flat().map((e) => e.trackId))]).size === 0) fail('nested page');
        } else fail(`no sql rung for ${sample.call.body}`);
      },
    },
  ];
}

async function main() {
  if (hasTaskset && !process.env.LADDER_PINNED) {
    // Alone on core 0, like the servers of the other benchmarks.
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, LADDER_PINNED: '1' },
    });
    process.exit(child.status ?? 1);
  }
  const [roundsArg = '5', ...picked] = process.argv.slice(2);
  const rounds = Number(roundsArg);
  const names = picked.length
    ? picked
    : ['getCollection', 'createCollection', 'deleteCollection', 'listCollections', 'collectionTracksPage'];
  const ops = names.map((n) => operations.find((o) => o.name === n) ?? fail(`unknown operation ${n}`));
  const work = mkdtempSync(join(tmpdir(), 'music-ladder-'));
  try {
    const world: World = await seedTemplate(join(work, 'template.db'), { pool: 150_000 });
    const path = copyTemplate(join(work, 'template.db'), join(work, 'run.db'));
    const database = await openDatabase(path);
    const store = openStore(path);
    const rungs = [...productRungs(database), ...peerRungs(store)];
    const seconds = Number(process.env.LADDER_SECONDS ?? 0.4);
    const results = new Map<string, number[]>();
    for (const op of ops) {
      let k = 0;
      const next = () => op.graphql(world, k++);
      // Warm-up, which also sizes each rung's batch to about `seconds` of CPU.
      const cost = new Map<string, number>();
      for (const rung of rungs) {
        const started = process.cpuUsage();
        let n = 0;
        for (; n < 1000 && process.cpuUsage(started).user < 300_000; n++) await rung.run(next(), k);
        const used = process.cpuUsage(started);
        cost.set(rung.name, (used.user + used.system) / n);
      }
      for (let round = 0; round < rounds; round++) {
        const order = rungs.map((_, i) => rungs[(i + round) % rungs.length]!);
        for (const rung of order) {
          const n = Math.min(2000, Math.max(20, Math.round((seconds * 1e6) / cost.get(rung.name)!)));
          const samples = Array.from({ length: n }, next);
          const started = process.cpuUsage();
          for (const sample of samples) await rung.run(sample, k);
          const used = process.cpuUsage(started);
          const key = `${op.name}/${rung.name}`;
          results.set(key, [...(results.get(key) ?? []), (used.user + used.system) / n]);
        }
      }
      console.error(
        `${op.name}: ${rungs.map((r) => `${r.name} ${median(results.get(`${op.name}/${r.name}`)!).toFixed(0)}`).join(', ')}`,
      );
    }
    console.log(
      ladderTable(
        ops,
        rungs.map((r) => r.name),
        results,
      ),
    );
    await database.close();
    store.close();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function ladderTable(ops: Operation[], rungs: string[], results: Map<string, number[]>): string {
  const lines = [
    `| rung (CPU µs per request, median) | ${ops.map((o) => o.name).join(' | ')} |`,
    `| --- |${ops.map(() => ' ---: |').join('')}`,
  ];
  for (const rung of rungs) {
    lines.push(`| ${rung} | ${ops.map((o) => median(results.get(`${o.name}/${rung}`)!).toFixed(0)).join(' | ')} |`);
  }
  return lines.join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
