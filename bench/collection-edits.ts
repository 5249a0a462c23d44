import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { entryChecks, entryViolations, type Shape } from '../scripts/crash/database.js';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import type { Deps } from '../src/domain/deps.js';
import { BulkWriter, copyTemplate, ORG } from './seed.js';
import { pinSelf, start } from './servers.js';

// The playlist editor's gestures on a 10,000-track collection, end to end over HTTP against the
// product as `npm start` runs it (one connection, one request at a time: latency, not throughput):
// a batch of 100 adds at a position, a range move of 100 tracks across the collection, a batch
// remove, and what a client had to do before the batch edits (100 single adds, and a reorder to
// put them in place). Each round runs every operation once, in an order rotated per round; each
// operation's wall time is measured by the client and the server's CPU time from /proc. SQL
// statements per operation are counted in-process with the database's onStatement hook.
//
// `npx tsx bench/collection-edits.ts [rounds]` runs it (not part of `npm run bench`).

const SIZE = 10_000;
const BATCH = 100;
const MIDDLE = SIZE / 2;

interface Seeded {
  key: string;
  collection: string;
  /** Tracks of the collection, in position order. */
  members: string[];
  /** In the caller's library, not in the collection: what the adds add (and the removes take out again). */
  extra: string[];
}

async function seed(path: string): Promise<Seeded> {
  const database = await openDatabase(path);
  const deps: Deps = { database, now: Date.now, traceId: 'req_bench_edits', origin: 'http://bench' };
  await createOrganization(deps, { name: 'Bench', id: ORG });
  const user = await createUser(deps, { email: 'editor@bench.example' });
  await addMember(deps, { organizationId: ORG, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = (await createApiKey(deps, { userId: user.id })).key;
  await database.close();
  const bulk = new BulkWriter(new BetterSqlite3(path));
  const members = bulk.tracks(user.id, SIZE);
  const [collection] = bulk.collections(user.id, [members]);
  const extra = bulk.tracks(user.id, BATCH);
  bulk.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  bulk.sqlite.close();
  return { key, collection: collection!, members, extra };
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);

export interface EditOperation {
  name: string;
  /** What it does, for the report. */
  what: string;
  /** Client-side wall time of each round, ms. */
  ms: number[];
  /** Server CPU of each round, ms (/proc ticks are 10 ms: meaningful as a median over rounds). */
  cpuMs: number[];
  requests: number;
}

export interface CollectionEditResults {
  collectionSize: number;
  batch: number;
  rounds: number;
  operations: (Omit<EditOperation, 'ms' | 'cpuMs'> & { p50: number; p99: number; cpuP50: number })[];
  /** Per round, 100 single adds ÷ the batch that leaves the collection the same, then the median. */
  speedups: { name: string; what: string; median: number; min: number; max: number }[];
  /** SQL statements per operation at batch sizes 1, 10 and 100. */
  statements: { op: string; counts: Record<string, number> }[];
  violations: string[];
}

async function request(url: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const allAdded = (answer: { results: { success: boolean }[] }) => {
  if (!answer.results.every((r) => r.success))
    throw new Error(`a batch item failed: ${JSON.stringify(answer.results.find((r) => !r.success))}`);
};

/** Statements per operation, in-process on a copy of the template, for 1, 10 and 100 tracks. */
async function countStatements(template: string, work: string, seeded: Seeded) {
  let count = 0;
  const app = createApp({
    database: await openDatabase(copyTemplate(template, join(work, 'statements.db')), { onStatement: () => count++ }),
  });
  const path = `/v1/music/${ORG}/collections/${seeded.collection}/tracks`;
  const send = async (method: string, target: string, body: unknown) => {
    const res = await app.fetch(
      new Request(`http://bench${target}`, {
        method,
        headers: { 'x-api-key': seeded.key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
    if (res.status !== 200) throw new Error(`${method} ${target}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await send('PATCH', path, { range_start: 0, insert_before: 2 }); // warm-up: the key's last-used time is written once
  const rows: { op: string; counts: Record<string, number> }[] = [
    { op: 'add at the middle (POST track_ids, position)', counts: {} },
    { op: 'remove (DELETE track_ids)', counts: {} },
    { op: 'range move across (PATCH range_start, range_length, insert_before)', counts: {} },
    { op: 'selection move (GraphQL moveSelectedTracksInCollection)', counts: {} },
  ];
  for (const n of [1, 10, 100]) {
    const ids = seeded.extra.slice(0, n);
    const measure = async (row: number, work: () => Promise<unknown>) => {
      count = 0;
      await work();
      rows[row]!.counts[String(n)] = count;
    };
    await measure(0, async () => allAdded(await send('POST', path, { track_ids: ids, position: MIDDLE })));
    await measure(1, () => send('DELETE', path, { track_ids: ids }));
    await measure(2, () => send('PATCH', path, { range_start: 0, range_length: n, insert_before: SIZE }));
    const selection = seeded.members.filter((_, i) => i % 7 === 3).slice(0, n);
    await measure(3, async () => {
      const res = await app.fetch(
        new Request('http://bench/graphql', {
          method: 'POST',
          headers: { 'x-api-key': seeded.key, 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              'mutation($c: ID!, $ids: [ID!]!, $b: ID) { moveSelectedTracksInCollection(collectionId: $c, trackIds: $ids, insertBeforeTrackId: $b) { id } }',
            variables: { c: seeded.collection, ids: selection, b: seeded.members[SIZE - 1] },
          }),
        }),
      );
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    });
  }
  await app.close();
  return rows;
}

export async function runCollectionEdits(
  work: string,
  rounds = 40,
  log: (line: string) => void = () => undefined,
): Promise<CollectionEditResults> {
  const template = join(work, 'edits-template.db');
  const seeded = await seed(template);
  log(`  ${SIZE.toLocaleString('en')}-track collection seeded; ${rounds} rounds`);
  const file = copyTemplate(template, join(work, 'edits.db'));
  const server = await start('product', file);
  const { url, pid } = server;
  const { key, collection, extra } = seeded;
  const tracks = `/v1/music/${ORG}/collections/${collection}/tracks`;
  const removeExtra = () => request(url, key, 'DELETE', tracks, { track_ids: extra });

  // Each case leaves the collection as it found it (10,000 tracks), so rounds are alike; `before`
  // and `undo` run outside the measurement.
  const cases: {
    op: EditOperation;
    before?: () => Promise<unknown>;
    run: () => Promise<unknown>;
    undo?: () => Promise<unknown>;
  }[] = [
    {
      op: {
        name: 'add100AtMiddle',
        what: `a batch of ${BATCH} adds at position ${MIDDLE.toLocaleString('en')}`,
        ms: [],
        cpuMs: [],
        requests: 1,
      },
      run: async () => allAdded(await request(url, key, 'POST', tracks, { track_ids: extra, position: MIDDLE })),
      undo: removeExtra,
    },
    {
      op: {
        name: 'remove100FromMiddle',
        what: `a batch remove of ${BATCH} tracks from position ${MIDDLE.toLocaleString('en')} on`,
        ms: [],
        cpuMs: [],
        requests: 1,
      },
      before: async () => allAdded(await request(url, key, 'POST', tracks, { track_ids: extra, position: MIDDLE })),
      run: async () => {
        const answer = await removeExtra();
        if (!answer.results.every((r: { success: boolean }) => r.success)) throw new Error('a remove failed');
      },
    },
    {
      op: {
        name: 'move100Down',
        what: `a range move of ${BATCH} tracks from the top to the end`,
        ms: [],
        cpuMs: [],
        requests: 1,
      },
      run: () => request(url, key, 'PATCH', tracks, { range_start: 0, range_length: BATCH, insert_before: SIZE }),
      undo: () =>
        request(url, key, 'PATCH', tracks, { range_start: SIZE - BATCH, range_length: BATCH, insert_before: 0 }),
    },
    {
      op: {
        name: 'move100Up',
        what: `a range move of ${BATCH} tracks from the end to the top`,
        ms: [],
        cpuMs: [],
        requests: 1,
      },
      run: () =>
        request(url, key, 'PATCH', tracks, { range_start: SIZE - BATCH, range_length: BATCH, insert_before: 0 }),
      undo: () => request(url, key, 'PATCH', tracks, { range_start: 0, range_length: BATCH, insert_before: SIZE }),
    },
    {
      op: { name: 'append100Batch', what: `a batch of ${BATCH} adds at the end`, ms: [], cpuMs: [], requests: 1 },
      run: async () => allAdded(await request(url, key, 'POST', tracks, { track_ids: extra })),
      undo: removeExtra,
    },
    {
      op: {
        name: 'append100Single',
        what: `${BATCH} single adds (POST track_id), each appended`,
        ms: [],
        cpuMs: [],
        requests: BATCH,
      },
      run: async () => {
        for (const id of extra) await request(url, key, 'POST', tracks, { track_id: id });
      },
      undo: removeExtra,
    },
    {
      op: {
        name: 'insert100SinglesAndReorder',
        what: `${BATCH} single adds and a reorder that puts them at position ${MIDDLE.toLocaleString('en')} (the way before the batch edits)`,
        ms: [],
        cpuMs: [],
        requests: BATCH + 1,
      },
      run: async () => {
        for (const id of extra) await request(url, key, 'POST', tracks, { track_id: id });
        const order = [...seeded.members.slice(0, MIDDLE), ...extra];
        await request(url, key, 'PATCH', `/v1/music/${ORG}/collections/${collection}/order`, {
          ordered_track_ids: order,
        });
      },
      undo: removeExtra,
    },
  ];

  // Warm-up: every operation twice.
  for (let i = 0; i < 2; i++) {
    for (const c of cases) {
      await c.before?.();
      await c.run();
      await c.undo?.();
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]!;
      await c.before?.();
      const cpu = cpuSeconds(pid);
      const started = performance.now();
      await c.run();
      c.op.ms.push(performance.now() - started);
      c.op.cpuMs.push((cpuSeconds(pid) - cpu) * 1000);
      await c.undo?.();
    }
  }
  await server.stop();

  const sqlite = new BetterSqlite3(file, { readonly: true });
  const violations = entryViolations(
    sqlite.prepare(entryChecks.shapes).all() as Shape[],
    sqlite.prepare(entryChecks.deadEntries).get() as { n: number },
  );
  const count = (
    sqlite.prepare('SELECT track_count AS n FROM collections WHERE id = ?').get(collection) as { n: number }
  ).n;
  if (count !== SIZE) violations.push(`the collection ends with ${count} tracks, not ${SIZE}`);
  sqlite.close();

  const byName = new Map(cases.map((c) => [c.op.name, c.op]));
  const ratio = (name: string, slow: string, fast: string, what: string) => {
    const per = byName.get(slow)!.ms.map((ms, i) => ms / byName.get(fast)!.ms[i]!);
    return { name, what, median: median(per), min: Math.min(...per), max: Math.max(...per) };
  };
  return {
    collectionSize: SIZE,
    batch: BATCH,
    rounds,
    operations: cases.map(({ op: { ms, cpuMs, ...rest } }) => ({
      ...rest,
      p50: median(ms),
      p99: quantile(ms, 0.99),
      cpuP50: median(cpuMs),
    })),
    speedups: [
      ratio('append', 'append100Single', 'append100Batch', `${BATCH} single adds ÷ one batch of ${BATCH} at the end`),
      ratio(
        'atPosition',
        'insert100SinglesAndReorder',
        'add100AtMiddle',
        `${BATCH} single adds and a reorder ÷ one batch of ${BATCH} at position ${MIDDLE}`,
      ),
      ratio(
        'singlesVsAtPosition',
        'append100Single',
        'add100AtMiddle',
        `${BATCH} single adds (appended) ÷ one batch of ${BATCH} at position ${MIDDLE}`,
      ),
    ],
    statements: await countStatements(template, work, seeded),
    violations,
  };
}

/** The report's section (bench/report.ts) and the standalone run's output. */
export function collectionEditsSection(r: CollectionEditResults | undefined): string[] {
  const lines = ['', '### Collection edits: batch add at a position, range moves, batch remove', ''];
  if (!r) return [...lines, 'Not measured in this run.'];
  const f = (x: number) => x.toFixed(2);
  lines.push(
    `A ${r.collectionSize.toLocaleString('en')}-track collection, over HTTP against the product as \`npm start\` runs it, one request at a time; ${r.rounds} interleaved rounds (order rotated per round), after two warm-up rounds; every answer checked; \`bench/collection-edits.ts\`.`,
    '',
    '| operation | requests | p50 ms | p99 ms | server CPU p50 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...r.operations.map((o) => `| ${o.what} | ${o.requests} | ${f(o.p50)} | ${f(o.p99)} | ${o.cpuP50.toFixed(0)} |`),
    '',
    '| speed-up (per round, then the median; range) | × |',
    '| --- | ---: |',
    ...r.speedups.map((s) => `| ${s.what} | ${f(s.median)} (${f(s.min)}–${f(s.max)}) |`),
    '',
    'SQL statements per operation (in-process, onStatement hook), by the number of tracks it names or moves:',
    '',
    '| operation | 1 | 10 | 100 |',
    '| --- | ---: | ---: | ---: |',
    ...r.statements.map((s) => `| ${s.op} | ${s.counts['1']} | ${s.counts['10']} | ${s.counts['100']} |`),
    '',
    `Positions 0..n-1 and the count afterwards: ${r.violations.length ? `**${r.violations.join('; ')}**` : 'held'}. Server CPU comes from /proc in 10 ms ticks: a median over rounds, not a single figure.`,
  );
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  pinSelf();
  const work = mkdtempSync(join(tmpdir(), 'music-bench-edits-'));
  try {
    const results = await runCollectionEdits(work, Number(process.argv[2] ?? 40), (line) =>
      process.stderr.write(`${line}\n`),
    );
    console.log(collectionEditsSection(results).join('\n'));
    console.log(`\n${JSON.stringify(results)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
