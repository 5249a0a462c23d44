import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { getIntrospectionQuery, parse } from 'graphql';
import { openDatabase } from '../src/db/connection.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { OPERATION_COST_LIMIT } from '../src/domain/limits.js';
import type { Deps } from '../src/domain/deps.js';
import { createCostModel } from '../src/graphql/cost.js';
import { getSchema } from '../src/graphql/schema.js';
import { BulkWriter, ORG } from './seed.js';
import { pinSelf, ROOT, start, type Running } from './servers.js';

// The search behind OPERATION_COST_LIMIT (src/domain/cost.ts). On a database of the issue's size
// (100 collections × 500 tracks, a library of 500), for each family of documents a client could
// write (aliases × page sizes × selections, every kind of root field, batches, introspection) and a
// candidate limit, the most expensive member the limit admits is built (with the cost model itself)
// and sent to the product as `npm start` runs it, one request at a time; its server CPU (from /proc)
// and response size are measured. The limit is the largest candidate whose most expensive admitted
// document costs at most 100 ms of server CPU and 2 MB of response, and the frontend's own pages
// must run under it. `npx tsx bench/cost-limit.ts` runs it alone; `npm run bench` includes it.

export const CPU_BUDGET_MS = 100;
export const BYTES_BUDGET = 2 * 1024 * 1024;
const CANDIDATES = [100_000, 150_000, 200_000, 250_000, 300_000, 400_000, 500_000];

const TRACK =
  'id title engine mode durationSeconds instrumental audioUrl artworkUrl createdAt updatedAt creatorId organizationId';
const COLLECTION =
  'id name description coverTrackId coverImageUrl trackCount version createdAt updatedAt organizationId ownerId';
const aliased = (n: number, field: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field(i)}`).join(' ');

interface Seeded {
  org: string;
  key: string;
  collections: string[];
  tracks: string[];
  shareToken?: string;
}

interface Doc {
  query: string;
  variables: Record<string, unknown>;
}

/** A family: documents growing with `size` (1..max), at each alias count it is tried with. */
interface Family {
  name: string;
  aliases: number[];
  max: number;
  doc(s: Seeded, aliases: number, size: number): Doc;
}

const families: Family[] = [
  {
    name: 'nested pages, every field (collections × tracks)',
    aliases: [1, 2, 4, 15],
    max: 500,
    doc: (s, a, q) => ({
      query: `query($o: ID!, $p: Int, $q: Int) { ${aliased(
        a,
        () => `collections(organizationId: $o, first: $p) { edges { cursor node { ${COLLECTION}
        coverTrack { ${TRACK} } tracks(first: $q) { edges { cursor position addedAt node { ${TRACK} } } pageInfo { hasNextPage endCursor } } } } }`,
      )} }`,
      variables: { o: s.org, p: 100, q },
    }),
  },
  {
    name: 'nested pages, ids only',
    aliases: [1, 2, 4, 15],
    max: 500,
    doc: (s, a, q) => ({
      query: `query($o: ID!, $q: Int) { ${aliased(a, () => `collections(organizationId: $o, first: 100) { edges { node { tracks(first: $q) { edges { node { id } } } } } }`)} }`,
      variables: { o: s.org, q },
    }),
  },
  {
    name: 'many small nested pages (100 collections × few tracks)',
    aliases: [1, 4, 15],
    max: 20,
    doc: (s, a, q) => ({
      query: `query($o: ID!, $q: Int) { ${aliased(a, () => `collections(organizationId: $o, first: 100) { edges { node { id coverTrack { id } tracks(first: $q) { edges { node { id title } } } } } }`)} }`,
      variables: { o: s.org, q },
    }),
  },
  {
    name: 'one collection’s tracks, every field',
    aliases: [1, 4, 15],
    max: 500,
    doc: (s, a, q) => ({
      query: `query($o: ID!, $q: Int) { ${aliased(a, (i) => `collection(organizationId: $o, id: "${s.collections[i]}") { id tracks(first: $q) { edges { position addedAt node { ${TRACK} } } } }`)} }`,
      variables: { o: s.org, q },
    }),
  },
  {
    name: 'library pages, every field',
    aliases: [1, 4, 15],
    max: 100,
    doc: (s, a, p) => ({
      query: `query($o: ID!, $p: Int) { ${aliased(a, (i) => `tracks(organizationId: $o, first: $p, offset: ${i * 10}) { edges { cursor savedAt source libraryEntryId node { ${TRACK} } } }`)} }`,
      variables: { o: s.org, p },
    }),
  },
  {
    name: 'shared collection (no key: 500 tracks each)',
    aliases: [1],
    max: 15,
    doc: (s, _a, n) => ({
      query: `query($t: String!) { ${aliased(n, () => 'sharedContent(token: $t) { kind available collection { id name } tracks { id title engine mode durationSeconds instrumental playbackUrl } }')} }`,
      variables: { t: s.shareToken },
    }),
  },
  {
    name: 'root reads (aliases of single lookups)',
    aliases: [1],
    max: 15,
    doc: (s, _a, n) => ({
      query: `query($o: ID!) { ${aliased(n, (i) => `collection(organizationId: $o, id: "${s.collections[i]}") { id name coverTrack { id title } }`)} viewer { id organizations { id name capabilities } } }`,
      variables: { o: s.org },
    }),
  },
  {
    name: 'batch saves (aliases of saveTracks × 100 ids)',
    aliases: [1, 4, 15],
    max: 100,
    doc: (s, a, n) => ({
      query: `mutation($o: ID!, $ids: [ID!]!) { ${aliased(a, () => 'saveTracks(organizationId: $o, trackIds: $ids) { inputId success id error { code } }')} }`,
      variables: { o: s.org, ids: s.tracks.slice(0, n) },
    }),
  },
  {
    name: 'reorder (10,000 ids, 500 of them held)',
    aliases: [1, 2],
    max: 10_000,
    doc: (s, a, n) => ({
      query: `mutation($o: ID!, $ids: [ID!]!) { ${aliased(a, (i) => `reorderCollection(organizationId: $o, collectionId: "${s.collections[i]}", orderedTrackIds: $ids) { success }`)} }`,
      variables: {
        o: s.org,
        ids: Array.from(
          { length: n },
          (_, i) => s.tracks[(i * 7) % s.tracks.length]! + (i < s.tracks.length ? '' : `x${i}`),
        ),
      },
    }),
  },
  {
    name: 'introspection (the GraphiQL query, aliased)',
    aliases: [1],
    max: 15,
    doc: (_s, _a, n) => ({
      query:
        n === 1
          ? getIntrospectionQuery()
          : getIntrospectionQuery().replace(
              '__schema {',
              `${Array.from({ length: n - 1 }, (_, i) => `s${i}: __schema { types { name kind fields { name type { name kind ofType { name kind } } } } }`).join(' ')} __schema {`,
            ),
      variables: {},
    }),
  },
];

/** The pages a frontend really asks for: they must run under the limit. */
const frontendPages = (s: Seeded): { name: string; doc: Doc }[] => [
  {
    name: 'one collection with 500 tracks',
    doc: {
      query: `query($o: ID!, $id: ID!) { collection(organizationId: $o, id: $id) { ${COLLECTION} coverTrack { ${TRACK} }
        tracks(first: 500) { edges { cursor position addedAt node { ${TRACK} } } pageInfo { hasNextPage endCursor } } } }`,
      variables: { o: s.org, id: s.collections[0] },
    },
  },
  {
    name: '100 collections with 10 tracks each',
    doc: {
      query: `query($o: ID!) { collections(organizationId: $o, first: 100) { edges { cursor node { ${COLLECTION} coverTrack { ${TRACK} }
        tracks(first: 10) { edges { cursor position addedAt node { ${TRACK} } } pageInfo { hasNextPage endCursor } } } } pageInfo { hasNextPage endCursor } } }`,
      variables: { o: s.org },
    },
  },
  {
    name: 'the library page at its maximum (100)',
    doc: {
      query: `query($o: ID!) { tracks(organizationId: $o, first: 100) { edges { cursor savedAt source libraryEntryId node { ${TRACK} } } pageInfo { hasNextPage endCursor } } }`,
      variables: { o: s.org },
    },
  },
];

const T0 = Date.parse('2026-06-01T00:00:00Z');

/** The issue's database: 100 collections of the same 500 tracks, with covers; those 500 in the library. */
async function seed(path: string): Promise<Omit<Seeded, 'shareToken'>> {
  const database = await openDatabase(path);
  const deps: Deps = { database, now: () => T0, traceId: 'req_cost_seed', origin: 'http://bench' };
  const org = (await createOrganization(deps, { name: 'Cost', id: ORG })).id;
  const user = await createUser(deps, { email: 'cost@bench.example' });
  await addMember(deps, { organizationId: org, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = (await createApiKey(deps, { userId: user.id })).key;
  await database.close();
  const sqlite = new BetterSqlite3(path);
  const bulk = new BulkWriter(sqlite);
  const tracks = bulk.tracks(user.id, 500, org);
  sqlite.prepare("UPDATE tracks SET artwork_url = 'https://cdn.example/cover.jpg'").run();
  const collections = bulk.collections(
    user.id,
    Array.from({ length: 100 }, () => tracks),
    (i) => tracks[i]!,
  );
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return { org, key, collections, tracks };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Measured {
  family: string;
  aliases: number;
  size: number;
  cost: number;
  cpuMs: number;
  bytes: number;
  status: number;
  errors: string[];
}

/**
 * Server CPU per request (after three warm-up requests, the median of three batches of at least
 * half a second each: /proc counts in 10 ms ticks) and the response size.
 */
async function measure(
  server: Running,
  key: string | null,
  doc: Doc,
): Promise<{ cpuMs: number; bytes: number; status: number; errors: string[] }> {
  const send = async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: JSON.stringify(doc),
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  const first = await send();
  await send();
  const started = performance.now();
  await send();
  const wall = performance.now() - started;
  const body = JSON.parse(first.text) as { errors?: { extensions?: { code?: string } }[] };
  const errors = [...new Set((body.errors ?? []).map((e) => e.extensions?.code ?? '?'))];
  const perBatch = Math.max(2, Math.min(300, Math.ceil(500 / Math.max(wall, 0.5))));
  const samples: number[] = [];
  for (let batch = 0; batch < 3; batch++) {
    const before = cpuSeconds(server.pid);
    for (let i = 0; i < perBatch; i++) await send();
    samples.push(((cpuSeconds(server.pid) - before) * 1000) / perBatch);
  }
  return { cpuMs: median(samples), bytes: Buffer.byteLength(first.text), status: first.status, errors };
}

/**
 * The work behind each weight of the model, from documents that differ in one unit only: server
 * CPU per extra leaf value, per extra list row, per extra root lookup, per extra batch id, per
 * extra write. Divided by the CPU of a leaf, they are what the weights in src/domain/cost.ts
 * should be for points to stand for CPU evenly.
 */
async function calibrate(server: Running, s: Seeded, log: (line: string) => void) {
  const c = s.collections;
  const pairs: { unit: string; units: number; small: Doc; big: Doc }[] = [
    {
      unit: 'leaf value',
      units: 500 * 11,
      small: {
        query: `{ collection(organizationId: "${s.org}", id: "${c[0]}") { tracks(first: 500) { edges { node { id } } } } }`,
        variables: {},
      },
      big: {
        query: `{ collection(organizationId: "${s.org}", id: "${c[0]}") { tracks(first: 500) { edges { node { ${TRACK} } } } } }`,
        variables: {},
      },
    },
    {
      unit: 'row (a track of a page)',
      units: 499,
      small: {
        query: `{ collection(organizationId: "${s.org}", id: "${c[0]}") { tracks(first: 1) { edges { node { id } } } } }`,
        variables: {},
      },
      big: {
        query: `{ collection(organizationId: "${s.org}", id: "${c[0]}") { tracks(first: 500) { edges { node { id } } } } }`,
        variables: {},
      },
    },
    {
      unit: 'nested page (a collection of a page, with its tracks connection)',
      units: 99,
      small: {
        query: `{ collections(organizationId: "${s.org}", first: 1) { edges { node { id tracks(first: 1) { edges { node { id } } } } } } }`,
        variables: {},
      },
      big: {
        query: `{ collections(organizationId: "${s.org}", first: 100) { edges { node { id tracks(first: 1) { edges { node { id } } } } } } }`,
        variables: {},
      },
    },
    {
      unit: 'root lookup',
      units: 14,
      small: { query: `{ a0: collection(organizationId: "${s.org}", id: "${c[0]}") { id } }`, variables: {} },
      big: {
        query: `{ ${aliased(15, (i) => `collection(organizationId: "${s.org}", id: "${c[i]}") { id }`)} }`,
        variables: {},
      },
    },
    {
      unit: 'batch id (saveTracks)',
      units: 99,
      small: {
        query: `mutation($o: ID!, $ids: [ID!]!) { saveTracks(organizationId: $o, trackIds: $ids) { success } }`,
        variables: { o: s.org, ids: s.tracks.slice(0, 1) },
      },
      big: {
        query: `mutation($o: ID!, $ids: [ID!]!) { saveTracks(organizationId: $o, trackIds: $ids) { success } }`,
        variables: { o: s.org, ids: s.tracks.slice(0, 100) },
      },
    },
    {
      unit: 'write (a mutation field)',
      units: 14,
      small: {
        query: `mutation($o: ID!) { a0: addTrackToCollection(organizationId: $o, collectionId: "${c[0]}", trackId: "${s.tracks[0]}") { success } }`,
        variables: { o: s.org },
      },
      big: {
        query: `mutation($o: ID!) { ${aliased(15, (i) => `addTrackToCollection(organizationId: $o, collectionId: "${c[i]}", trackId: "${s.tracks[0]}") { success }`)} }`,
        variables: { o: s.org },
      },
    },
    {
      unit: 'reorder id',
      units: 9_500,
      small: {
        query: `mutation($o: ID!, $ids: [ID!]!) { reorderCollection(organizationId: $o, collectionId: "${c[1]}", orderedTrackIds: $ids) { success } }`,
        variables: { o: s.org, ids: [...s.tracks].reverse() },
      },
      big: {
        query: `mutation($o: ID!, $ids: [ID!]!) { reorderCollection(organizationId: $o, collectionId: "${c[1]}", orderedTrackIds: $ids) { success } }`,
        variables: {
          o: s.org,
          ids: [...[...s.tracks].reverse(), ...Array.from({ length: 9_500 }, (_, i) => `mtrack_absent${i}`)],
        },
      },
    },
  ];
  const introspection = { query: getIntrospectionQuery(), variables: {} };
  pairs.push({
    unit: 'introspection value',
    units: valuesOf(await answer(server, introspection)),
    small: { query: '{ __typename }', variables: {} },
    big: introspection,
  });
  const out: { unit: string; cpuUs: number }[] = [];
  for (const pair of pairs) {
    // Interleaved, five rounds: the machine's load moves both sides alike.
    const smalls: number[] = [];
    const bigs: number[] = [];
    for (let round = 0; round < 5; round++) {
      const small = await measure(server, s.key, pair.small);
      const big = await measure(server, s.key, pair.big);
      if (small.errors.length || big.errors.length)
        throw new Error(`calibration ${pair.unit}: ${[...small.errors, ...big.errors].join()}`);
      smalls.push(small.cpuMs);
      bigs.push(big.cpuMs);
    }
    const cpuUs = ((median(bigs) - median(smalls)) * 1000) / pair.units;
    out.push({ unit: pair.unit, cpuUs });
    log(`  ${pair.unit}: ${cpuUs.toFixed(2)} µs each (${median(smalls).toFixed(2)} → ${median(bigs).toFixed(2)} ms)`);
  }
  const base = await measure(server, s.key, { query: '{ __typename }', variables: {} });
  log(`  a request answering { __typename }: ${(base.cpuMs * 1000).toFixed(0)} µs`);
  return { units: out, requestUs: base.cpuMs * 1000 };
}

/** Values an answer holds, as the model counts them: every field, and every item of a list. */
function valuesOf(answer: unknown): number {
  let n = 0;
  const walk = (value: unknown) => {
    const children = Array.isArray(value)
      ? value
      : value !== null && typeof value === 'object'
        ? Object.values(value)
        : [];
    for (const child of children) {
      n++;
      walk(child);
    }
  };
  walk((answer as { data: unknown }).data);
  return n;
}

async function answer(server: Running, doc: Doc): Promise<unknown> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(doc),
  });
  return res.json();
}

export interface CostLimitResults {
  limit: number;
  /** The limit the product ships with (src/domain/cost.ts) when this ran. */
  shipped: number;
  candidates: { limit: number; worstCpu: Measured; worstBytes: Measured; fits: boolean }[];
  /** Every document measured, with its cost. */
  measured: Measured[];
  frontend: (Measured & { name: string })[];
  calibration: Awaited<ReturnType<typeof calibrate>>;
  /** Server CPU per 1,000 points of each family's largest member measured: how even the weights are. */
  perThousandPoints: { family: string; cpuMs: number; bytes: number }[];
}

export async function runCostLimit(work: string, log: (line: string) => void): Promise<CostLimitResults> {
  const path = join(work, 'cost-limit.db');
  const seeded = await seed(path);
  const model = createCostModel(getSchema());
  const costOf = (doc: Doc) => {
    const result = model.cost(parse(doc.query), undefined, coerceLoosely(doc.variables));
    return result.cost ?? Number.POSITIVE_INFINITY;
  };
  // The product with the limit out of the way, so candidates above today's limit can be measured.
  const server = await start('product', path, { env: { GRAPHQL_COST_LIMIT: '1000000000' } });
  try {
    const share = await fetch(`${server.url}/v1/music/${seeded.org}/collections/${seeded.collections[0]}/share`, {
      method: 'POST',
      headers: { 'x-api-key': seeded.key, 'content-type': 'application/json' },
      body: '{}',
    });
    const s: Seeded = { ...seeded, shareToken: ((await share.json()) as { token: string }).token };
    log('calibration: the CPU behind each weight');
    const calibration = await calibrate(server, s, log);
    if (process.env.CALIBRATE_ONLY) return { calibration } as CostLimitResults;
    const cache = new Map<string, Measured>();
    const run = async (family: Family, aliases: number, size: number): Promise<Measured> => {
      const doc = family.doc(s, aliases, size);
      const id = `${family.name}|${aliases}|${size}`;
      let m = cache.get(id);
      if (!m) {
        const key = family.name.startsWith('shared') ? null : s.key;
        m = { family: family.name, aliases, size, cost: costOf(doc), ...(await measure(server, key, doc)) };
        cache.set(id, m);
        log(
          `  ${family.name} ×${aliases} size ${size}: cost ${m.cost}, ${m.cpuMs.toFixed(1)} ms, ${(m.bytes / 1024).toFixed(0)} KiB${m.errors.length ? ` (${m.errors.join()})` : ''}`,
        );
      }
      return m;
    };
    /** The largest member of a family the limit admits, at this alias count (null when none fits). */
    const largest = (family: Family, aliases: number, limit: number): number | null => {
      if (costOf(family.doc(s, aliases, 1)) > limit) return null;
      let [lo, hi] = [1, family.max];
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (costOf(family.doc(s, aliases, mid)) <= limit) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const candidates: CostLimitResults['candidates'] = [];
    // A quick run (BENCH_QUICK=1) checks the shipped limit only.
    for (const limit of process.env.BENCH_QUICK === '1' ? [OPERATION_COST_LIMIT] : CANDIDATES) {
      log(`candidate limit ${limit}`);
      const admitted: Measured[] = [];
      for (const family of families) {
        for (const aliases of family.aliases) {
          const size = largest(family, aliases, limit);
          if (size !== null) admitted.push(await run(family, aliases, size));
        }
      }
      const worstCpu = admitted.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
      const worstBytes = admitted.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const fits = worstCpu.cpuMs <= CPU_BUDGET_MS && worstBytes.bytes <= BYTES_BUDGET;
      candidates.push({ limit, worstCpu, worstBytes, fits });
      log(
        `  worst: ${worstCpu.cpuMs.toFixed(1)} ms (${worstCpu.family} ×${worstCpu.aliases}), ${(worstBytes.bytes / 1024).toFixed(0)} KiB (${worstBytes.family} ×${worstBytes.aliases})`,
      );
      if (!fits) break;
    }
    const limit = [...candidates].reverse().find((c) => c.fits)?.limit ?? CANDIDATES[0]!;
    const frontend: CostLimitResults['frontend'] = [];
    for (const page of frontendPages(s)) {
      const m = {
        name: page.name,
        family: 'frontend',
        aliases: 1,
        size: 0,
        cost: costOf(page.doc),
        ...(await measure(server, s.key, page.doc)),
      };
      frontend.push(m);
      log(`  frontend: ${page.name}: cost ${m.cost}, ${m.cpuMs.toFixed(1)} ms, ${(m.bytes / 1024).toFixed(0)} KiB`);
    }
    const measured = [...cache.values()];
    const perThousandPoints = families.flatMap((family) => {
      const mine = measured.filter((m) => m.family === family.name && m.errors.length === 0);
      if (mine.length === 0) return [];
      const big = mine.reduce((a, b) => (b.cost > a.cost ? b : a));
      return [{ family: family.name, cpuMs: (big.cpuMs * 1000) / big.cost, bytes: (big.bytes * 1000) / big.cost }];
    });
    return { limit, shipped: OPERATION_COST_LIMIT, calibration, candidates, measured, frontend, perThousandPoints };
  } finally {
    await server.stop();
  }
}

/** Variables as the bench writes them are already of their declared types. */
const coerceLoosely = (variables: Record<string, unknown>) => variables;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** The section `npm run bench` writes into results.md. */
export function costLimitSection(results: CostLimitResults | undefined): string[] {
  if (!results) return [];
  const worst =
    results.candidates.find((c) => c.limit === results.shipped) ??
    results.candidates.find((c) => c.limit === results.limit);
  const lines = [
    '',
    '## Operation cost limit (bench/cost-limit.ts)',
    '',
    `The measured limit is **${results.limit}** points (the product ships ${results.shipped}). The most expensive documents it admits, ` +
      `server CPU per request (median of three batches) and response size, one request at a time:`,
    '',
    '| limit | most CPU | document | largest answer | document | within 100 ms and 2 MB |',
    '| ---: | ---: | --- | ---: | --- | --- |',
    ...results.candidates.map(
      (c) =>
        `| ${c.limit} | ${c.worstCpu.cpuMs.toFixed(1)} ms | ${c.worstCpu.family} ×${c.worstCpu.aliases} (cost ${c.worstCpu.cost}) | ` +
        `${kib(c.worstBytes.bytes)} | ${c.worstBytes.family} ×${c.worstBytes.aliases} (cost ${c.worstBytes.cost}) | ${c.fits ? 'yes' : 'no'} |`,
    ),
    '',
    'The pages a frontend asks for, under the limit:',
    '',
    '| page | cost | server CPU | answer |',
    '| --- | ---: | ---: | ---: |',
    ...results.frontend.map((f) => `| ${f.name} | ${f.cost} | ${f.cpuMs.toFixed(1)} ms | ${kib(f.bytes)} |`),
    '',
    `What each unit of work costs (server CPU; a request answering \`{ __typename }\` costs ${results.calibration.requestUs.toFixed(0)} µs):`,
    '',
    '| unit | server CPU each |',
    '| --- | ---: |',
    ...results.calibration.units.map((u) => `| ${u.unit} | ${u.cpuUs.toFixed(2)} µs |`),
    '',
    'Server CPU and bytes per 1,000 points, per family (each at its most expensive member measured):',
    '',
    '| family | CPU per 1,000 points | bytes per 1,000 points |',
    '| --- | ---: | ---: |',
    ...results.perThousandPoints.map((p) => `| ${p.family} | ${p.cpuMs.toFixed(2)} ms | ${kib(p.bytes)} |`),
  ];
  if (worst)
    lines.push(
      '',
      `At the shipped limit the most expensive admitted document costs ${worst.worstCpu.cpuMs.toFixed(1)} ms and the largest answer is ${kib(worst.worstBytes.bytes)}.`,
    );
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  pinSelf();
  const work = mkdtempSync(join(tmpdir(), 'music-cost-limit-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const results = await runCostLimit(work, log);
  writeFileSync(join(ROOT, 'bench', 'cost-limit.json'), `${JSON.stringify(results, null, 1)}\n`);
  log(costLimitSection(results).join('\n'));
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
