import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, normaliseWrite, productAnswers, type ProductAnswers } from '../bench/answers.js';
import { startMercurius } from '../bench/mercurius/server.js';
import { operations, type HttpCall, type Operation } from '../bench/ops.js';
import { copyTemplate, seedTemplate, type World } from '../bench/seed.js';
import { startYogaPlain } from '../bench/yoga-plain/server.js';
import { createApp, type App } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { backend } from './helpers.js';

// The hand-written peers (mercurius with graphql-jit, plain yoga) only measure what the product
// costs against them while they do the product's work: for every benchmarked GraphQL operation
// the same answer and the same SQL statements, and the same error codes for refused requests.
// The benchmark's own per-response check (bench/answers.ts) must accept their answers and refuse
// one that is not the product's.

let dir: string;
let world: World;
let app: App;
let answers: ProductAnswers;
const statements = { product: [] as string[], mercurius: [] as string[], yogaPlain: [] as string[] };
let peers: { name: 'mercurius' | 'yogaPlain'; port: number; close(): unknown }[] = [];

// The peers are SQLite by construction.
const notSqlite = backend !== 'sqlite';

beforeAll(async () => {
  if (notSqlite) return;
  dir = mkdtempSync(join(tmpdir(), 'music-bench-mercurius-'));
  const path = join(dir, 'bench.db');
  world = await seedTemplate(path, { pool: 10 });
  answers = await productAnswers(copyTemplate(path, join(dir, 'answers.db')), world, operations);
  app = createApp({ database: await openDatabase(path, { onStatement: (s) => statements.product.push(s) }) });
  const mercurius = await startMercurius(path, 0, { onStatement: (s) => statements.mercurius.push(s) });
  const yoga = await startYogaPlain(path, 0, { onStatement: (s) => statements.yogaPlain.push(s) });
  peers = [
    { name: 'mercurius', ...mercurius },
    { name: 'yogaPlain', ...yoga },
  ];
}, 60_000);

afterAll(async () => {
  for (const peer of peers) await peer.close();
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  text: string;
  body: any;
  /** statements run for this request, without transaction control and the key's last-used refresh */
  statements: string[];
}

const work = (all: string[], from: number) =>
  all
    .slice(from)
    .filter((s) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(s) && !/^update "api_keys" set "last_used_at"/i.test(s));

async function product(call: HttpCall): Promise<Answer> {
  const from = statements.product.length;
  const response = await app.fetch(
    new Request(`http://bench${call.path}`, { method: call.method, headers: call.headers, body: call.body }),
  );
  const text = await response.text();
  return { status: response.status, text, body: answerOf(text), statements: work(statements.product, from) };
}

async function peer(name: 'mercurius' | 'yogaPlain', call: HttpCall): Promise<Answer> {
  const { port } = peers.find((p) => p.name === name)!;
  const from = statements[name].length;
  const response = await fetch(`http://127.0.0.1:${port}${call.path}`, {
    method: call.method,
    headers: call.headers,
    body: call.body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text), statements: work(statements[name], from) };
}

/** A statement's kind and table, e.g. `select collections`: the peers write their own SQL text. */
function shape(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
  const table =
    verb === 'select'
      ? /\bfrom\s+(?:\(select[\s\S]*?\)\s+as\s+\w+\s+join\s+)?"?(\w+)/i.exec(sql)?.[1]
      : /^\s*(?:insert\s+into|update|delete\s+from)\s+"?(\w+)/i.exec(sql)?.[1];
  return `${verb} ${table}`;
}

const writes = new Set([
  'createCollection',
  'addTrackToCollection',
  'removeTrackFromCollection',
  'deleteCollection',
  'deleteTrack',
]);
const variablesOf = (call: HttpCall) => {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string') out.set(v, path);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(JSON.parse(call.body!).variables, '$');
  return out;
};

describe.skipIf(notSqlite)('the benchmark peers answer as the product does', () => {
  const consumes = (op: Operation) => op.consumes || op.name === 'addTrackToCollection';
  for (const name of ['mercurius', 'yogaPlain'] as const) {
    for (const op of operations) {
      it(`${name}: ${op.name}`, async () => {
        // Writes act on items of their own (one each, so both succeed); reads read the same item.
        const k = consumes(op) ? (name === 'mercurius' ? 0 : 2) : 0;
        const ours = op.graphql(world, k);
        const theirs = op.graphql(world, consumes(op) ? k + 1 : k);
        const a = await product(ours.call);
        const b = await peer(name, theirs.call);
        expect(ours.check(a.status, a.text)).toBeNull();
        expect(theirs.check(b.status, b.text)).toBeNull();
        expect(b.status).toBe(a.status);
        if (writes.has(op.name)) {
          expect(normaliseWrite(b.body, variablesOf(theirs.call))).toEqual(
            normaliseWrite(a.body, variablesOf(ours.call)),
          );
        } else {
          expect(b.body).toEqual(a.body);
        }
        // As many statements of each kind on each table; within a level the frameworks schedule
        // their batches in different orders.
        expect(b.statements.map(shape).sort()).toEqual(a.statements.map(shape).sort());
        expect(answers.checked(op, theirs).check(b.status, b.text)).toBeNull();

        // Asked again, a read is answered by the compiled (jit) query: the same answer.
        if (!writes.has(op.name)) {
          const again = await peer(name, theirs.call);
          expect(again.text).toBe(b.text);
          expect(answers.checked(op, theirs).check(again.status, again.text)).toBeNull();
        }
      });
    }
  }

  it("the per-response check refuses an answer that is not the product's", async () => {
    const get = operations.find((o) => o.name === 'getCollection')!;
    const sample = get.graphql(world, 0);
    const { text } = await product(sample.call);
    const check = answers.checked(get, sample).check;
    expect(check(200, text)).toBeNull();
    // Still passes the operation's own check (id and track count), not the product's answer.
    const renamed = text.replace('"name":"Collection 0"', '"name":"Collection 00"');
    expect(get.graphql(world, 0).check(200, renamed)).toBeNull();
    expect(check(200, renamed)).toMatch(/not the product's answer/);

    const create = operations.find((o) => o.name === 'createCollection')!;
    const createCheck = answers.checked(create, create.graphql(world, 7)).check;
    const created = (version: number) =>
      JSON.stringify({
        data: { createCollection: { id: 'mcoll_0123456789abcdef0123', name: 'Bench 7', trackCount: 0, version } },
      });
    expect(createCheck(200, created(1))).toBeNull();
    expect(createCheck(200, created(2))).toMatch(/not the product's answer/);
  });

  it("refuses an unknown key, another organization and a missing collection with the product's codes", async () => {
    const get = operations.find((o) => o.name === 'getCollection')!.graphql(world, 0).call;
    const calls: HttpCall[] = [
      { ...get, headers: { ...get.headers, 'x-api-key': 'mgk_unknown' } },
      { ...get, body: get.body!.replace(world.org, 'org_other') },
      { ...get, body: get.body!.replace(world.readCollections[0]!, 'mcoll_00000000000000000000') },
    ];
    for (const call of calls) {
      const a = await product(call);
      for (const name of ['mercurius', 'yogaPlain'] as const) {
        const b = await peer(name, call);
        expect(b.status).toBe(a.status);
        expect(b.body.data).toBe(a.body.data);
        expect(b.body.errors.map((e: any) => [e.extensions.code, e.path])).toEqual(
          a.body.errors.map((e: any) => [e.extensions.code, e.path]),
        );
      }
    }
  });
});
