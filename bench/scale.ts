import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { addMember, createApiKey, createUser } from '../src/domain/admin.js';
import type { Deps } from '../src/domain/deps.js';
import { config } from './config.js';
import { saturate } from './load.js';
import type { Sample } from './ops.js';
import { BulkWriter, copyTemplate, ORG, seedTemplate } from './seed.js';
import { start } from './servers.js';

const PAGE = 50;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface ScaleWorld {
  key: string;
  /** track count → collection id */
  collections: Map<number, string>;
  deleterKey: string;
  /** collections containing the track → tracks to delete */
  fanout: Map<number, string[]>;
  /** library size → [key, tracks to delete] */
  libraries: Map<number, { key: string; tracks: string[] }>;
}

export async function seedScale(path: string): Promise<ScaleWorld> {
  await seedTemplate(path, { pool: 10 });
  const database = await openDatabase(path);
  const deps: Deps = { database, now: Date.now, traceId: 'req_scale_seed', origin: 'http://bench' };
  const person = async (name: string) => {
    const user = await createUser(deps, { email: `${name}@scale.example` });
    await addMember(deps, { organizationId: ORG, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
    return { userId: user.id, key: (await createApiKey(deps, { userId: user.id })).key };
  };
  const reader = await person('pager');
  const deleter = await person('fanout');
  const libraryOwners: (readonly [number, { userId: string; key: string }])[] = [];
  for (const n of config.librarySizes) libraryOwners.push([n, await person(`library-${n}`)] as const);
  await database.close();

  const bulk = new BulkWriter(new BetterSqlite3(path));
  const largest = Math.max(...config.pageSizes);
  const tracks = bulk.tracks(reader.userId, largest);
  const collections = new Map(
    config.pageSizes.map((n) => [n, bulk.collections(reader.userId, [tracks.slice(0, n)])[0]!]),
  );

  // Three victims per fan-out, each in every one of `n` collections of five tracks.
  const fanout = new Map<number, string[]>();
  for (const n of config.deleteFanout) {
    const own = bulk.tracks(deleter.userId, 5);
    bulk.collections(
      deleter.userId,
      Array.from({ length: n }, () => own),
    );
    fanout.set(n, own.slice(0, 3));
  }
  const libraries = new Map<number, { key: string; tracks: string[] }>();
  for (const [n, owner] of libraryOwners) {
    const own = bulk.tracks(owner.userId, n);
    bulk.collections(owner.userId, [own.slice(0, 5)]);
    libraries.set(n, { key: owner.key, tracks: own.slice(0, 3) });
  }
  bulk.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  bulk.sqlite.close();
  return { key: reader.key, collections, deleterKey: deleter.key, fanout, libraries };
}

function timedRequest(
  url: string,
  method: string,
  path: string,
  key: string,
): Promise<{ ms: number; status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: { 'x-api-key': key } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ ms: performance.now() - started, status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * The plans of every statement the page route runs. The driver's statement hook hands over each
 * statement with its values expanded, which EXPLAIN QUERY PLAN takes as it is.
 */
export async function explainPage(path: string, key: string, collectionId: string, offset: number) {
  const captured: string[] = [];
  const database = await openDatabase(path, { onStatement: (sql) => captured.push(sql) });
  const app = createApp({ database });
  // Opening ran the migration bookkeeping's statements; only the page's own are explained.
  captured.length = 0;
  const response = await app.fetch(
    new Request(`http://bench/v1/music/${ORG}/collections/${collectionId}/tracks?limit=${PAGE}&offset=${offset}`, {
      headers: { 'x-api-key': key },
    }),
  );
  if (response.status !== 200) throw new Error(`explain: page answered ${response.status}`);
  const explainer = new BetterSqlite3(path, { readonly: true });
  const plans = [...new Set(captured.filter((sql) => /^\s*select/i.test(sql)))].map((sql) => ({
    sql: sql.replace(/\s+/g, ' ').trim(),
    plan: (explainer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail),
  }));
  explainer.close();
  await app.close();
  const details = plans.flatMap((p) => p.plan);
  return {
    plans,
    tempBTreeForOrderBy: details.some((d) => /TEMP B-TREE FOR ORDER BY/i.test(d)),
    entriesSearchedByIndex: details.some((d) =>
      /SEARCH (?:e|collection_entries) USING (?:INDEX|COVERING INDEX) collection_entries_position_idx/.test(d),
    ),
    fullScans: details.filter((d) => /^SCAN (?!r\b)/.test(d) && !/json_each/i.test(d)),
  };
}

export async function runScale(work: string) {
  const template = join(work, 'scale-template.db');
  const world = await seedScale(template);
  const path = copyTemplate(template, join(work, 'scale-run.db'));
  const server = await start('product', path);

  // Every position of every size in turn, three rounds, so machine noise spreads over all of them.
  const cases = config.pageSizes.flatMap((n) => {
    const offsets = { first: 0, middle: Math.floor(n / 2 / PAGE) * PAGE, last: n - PAGE } as const;
    return (Object.entries(offsets) as ['first' | 'middle' | 'last', number][]).map(([where, offset]) => ({
      n,
      where,
      offset,
      p50: [] as number[],
      p99: [] as number[],
    }));
  });
  for (let round = 0; round < 3; round++) {
    for (const c of cases) {
      const id = world.collections.get(c.n)!;
      const next = (): Sample => ({
        call: {
          method: 'GET',
          path: `/v1/music/${ORG}/collections/${id}/tracks?limit=${PAGE}&offset=${c.offset}`,
          headers: { 'x-api-key': world.key },
        },
        check: (status, body) => {
          if (status !== 200) return `status ${status}`;
          const items = (JSON.parse(body) as { items: { position: number }[] }).items;
          return items.length === PAGE && items[0]!.position === c.offset ? null : 'wrong page';
        },
      });
      await saturate(server.url, next, { connections: 1, seconds: 0.2 });
      const r = await saturate(server.url, next, { connections: 1, seconds: 0.6 });
      if (r.failures) throw new Error(`page ${c.n} ${c.where}: ${r.firstFailure}`);
      c.p50.push(r.p50);
      c.p99.push(r.p99);
    }
  }
  const pages = cases.map((c) => ({
    tracks: c.n,
    where: c.where,
    offset: c.offset,
    p50: median(c.p50),
    p99: median(c.p99),
    rounds: c.p50,
  }));

  const remove = async (key: string, trackId: string) => {
    const r = await timedRequest(server.url, 'DELETE', `/v1/music/${ORG}/tracks/${trackId}`, key);
    if (r.status !== 200) throw new Error(`deleteTrack ${trackId}: ${r.status} ${r.body}`);
    return r.ms;
  };
  const deleteByFanout: { collections: number; ms: number; samples: number[] }[] = [];
  for (const [n, victims] of world.fanout) {
    const samples: number[] = [];
    for (const id of victims) samples.push(await remove(world.deleterKey, id));
    deleteByFanout.push({ collections: n, ms: median(samples), samples });
  }
  const deleteByLibrary: { libraryTracks: number; ms: number; samples: number[] }[] = [];
  for (const [n, { key, tracks }] of world.libraries) {
    const samples: number[] = [];
    for (const id of tracks) samples.push(await remove(key, id));
    deleteByLibrary.push({ libraryTracks: n, ms: median(samples), samples });
  }
  await server.stop();

  const largest = Math.max(...config.pageSizes);
  const explain = await explainPage(
    copyTemplate(template, join(work, 'scale-explain.db')),
    world.key,
    world.collections.get(largest)!,
    Math.floor(largest / 2 / PAGE) * PAGE,
  );
  return { pages, deleteByFanout, deleteByLibrary, explain };
}
