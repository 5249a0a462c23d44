import { readFileSync } from 'node:fs';
import { ROOT } from './servers.js';

// Sorts a server's CPU profile (bench/profile.ts, bench/profiled.ts) into the layers a request
// passes through, for bench/findings.md ("where the gap to mercurius is"). Each sample is charged
// to the frame it was taken in, by where that frame's code lives (package or source file), with
// three exceptions: native and generated code (no URL) is charged to its caller, except graphql-jit's
// compiled queries (their own layer), SQLite's statement calls, and JSON; Node's HTTP, socket and
// stream internals are one layer whoever called them; Node's other internals (fs, crypto, URL,
// events, buffers) are charged to the nearest caller outside Node. V8 inlines builtins such as
// JSON.stringify into their callers, so a serialisation shows as its caller's self time.

interface Frame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const PACKAGES: [RegExp, string][] = [
  [/^@whatwg-node\//, 'Fetch API emulation (@whatwg-node: server adapter, Request, Headers, Response)'],
  [/^(graphql-yoga|@graphql-yoga\/.*|@graphql-tools\/.*)$/, 'yoga (request handling, parser and validation caches)'],
  [/^@envelop\//, 'envelop orchestration (plugins, hooks; @envelop/graphql-jit cache)'],
  [/^@escape\.tech\//, 'operation limits (graphql-armor)'],
  [/^graphql$/, 'graphql-js (variable coercion, AST helpers, errors)'],
  [/^graphql-jit$/, 'graphql-jit (compiled query and its runtime)'],
  [/^@pothos\//, 'Pothos wrappers (scope-auth, dataloader, relay)'],
  [/^dataloader$/, 'dataloader'],
  [/^drizzle-orm$/, 'drizzle (row mapping, placeholders, query objects)'],
  [/^better-sqlite3$/, 'SQLite statements (better-sqlite3, and the calls that run them)'],
  [
    /^(pino|pino-.*|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|on-exit-leak-free|atomic-sleep|@pinojs\/.*)$/,
    'logging (pino)',
  ],
  [/^(prom-client|tdigest|bintrees)$/, 'metrics (prom-client)'],
  [
    /^(fastify|@fastify\/.*|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|toad-cache|rfdc|abstract-logging|process-warning|fast-querystring|fast-decode-uri-component|fastq|reusify|ret|safe-regex2|json-schema-ref-resolver)$/,
    'Fastify',
  ],
  [
    /^(mercurius|single-user-cache|safe-stable-stringify|quick-lru|tiny-lru|p-map|mqemitter)$/,
    'mercurius (request handling, caches, loaders)',
  ],
];

const SOURCES: [RegExp, string][] = [
  [
    /^src\/graphql\/(yoga|errors|observe|limits)\.ts$/,
    "the product's GraphQL pipeline glue (src/graphql/yoga.ts lean path, error mapping; JSON.parse of the body, JSON.stringify of the result)",
  ],
  [/^src\/graphql\//, 'resolvers and schema types (src/graphql: connections, edges, cursors, scalars)'],
  [/^src\/domain\//, 'domain rules (src/domain)'],
  [/^src\/db\//, 'data layer glue (src/db)'],
  [/^src\/ops\/logger\.ts$/, 'logging (pino)'],
  [/^src\/ops\/metrics\.ts$/, 'metrics (prom-client)'],
  [/^src\/ops\//, 'request observer (src/ops: log line and metrics)'],
  [/^src\/http\/fetch-api\.ts$/, 'Fetch API emulation (@whatwg-node: server adapter, Request, Headers, Response)'],
  [/^src\/(app\.ts|http\/|server\.ts|rest\/)/, 'app shell (src/app.ts: routing, guard, CORS, facts, ids)'],
  // The store's functions are little more than their statement calls (see SQLITE below).
  [/^bench\/mercurius\/store\.ts$/, 'SQLite statements (better-sqlite3, and the calls that run them)'],
  [/^bench\/(mercurius|yoga-plain)\//, "the peer's resolvers and loaders"],
];

export const NODE_HTTP = 'Node HTTP, sockets and streams';
const EVENT_LOOP = 'event loop (ticks, microtasks, timers)';
const JIT = 'graphql-jit (compiled query and its runtime)';
// Part of a statement's native time (better-sqlite3 building the rows) is sampled in the JS frame
// that called it, so the thin functions making the calls (drizzle's prepared-query methods, the
// peers' store) count with the statements; bench/ladder.ts measures drizzle's own cost apart.
const SQLITE = 'SQLite statements (better-sqlite3, and the calls that run them)';
const DRIZZLE_CALLS = /drizzle-orm\/better-sqlite3\/session\.js$/;
const JSON_LAYER = 'JSON (parse, stringify)';
const GC = 'garbage collection';

const HTTP_INTERNALS =
  /^node:(_http_\w+|http|net|stream|internal\/(stream_base_commons|streams\/.*|http|js_stream_socket|net))$/;
const LOOP_INTERNALS = /^node:internal\/(process\/task_queues|timers|async_hooks|process\/promises)$/;
const SQLITE_CALLS = new Set([
  'all',
  'get',
  'run',
  'iterate',
  'exec',
  'prepare',
  'raw',
  'pluck',
  'expand',
  'bind',
  'columns',
]);

function where(frame: Frame): { pkg?: string; file?: string; node?: string } {
  const url = frame.url.replace(/^file:\/\//, '');
  if (url.startsWith('node:')) return { node: url };
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return { pkg };
  if (url.startsWith(`${ROOT}/`)) return { file: url.slice(ROOT.length + 1) };
  return {};
}

/** The layer of one frame, or null when the frame is to be charged to its caller. */
function layerOf(frame: Frame, caller: Frame | undefined): string | null {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return GC;
  if (name === '(program)') return 'V8 and native (program)';
  if (name === '(idle)') return '(idle)';
  if (name === '(root)') return 'other';
  if (url === '') {
    // Generated by graphql-jit (new Function): resolver handlers, the query, its serialiser.
    if (/ResolverHandler|__context|^query$|^ret$/.test(name)) return JIT;
    if (SQLITE_CALLS.has(name) && caller && /better-sqlite3|drizzle-orm|src\/db|bench\/mercurius/.test(caller.url))
      return SQLITE;
    if ((name === 'stringify' || name === 'parse') && caller && !caller.url.startsWith('node:internal/url'))
      return JSON_LAYER;
    return null;
  }
  const w = where(frame);
  if (w.node) {
    if (HTTP_INTERNALS.test(w.node)) return NODE_HTTP;
    if (LOOP_INTERNALS.test(w.node)) return EVENT_LOOP;
    return null;
  }
  if (DRIZZLE_CALLS.test(url)) return SQLITE;
  if (w.pkg) return PACKAGES.find(([re]) => re.test(w.pkg!))?.[1] ?? `other package (${w.pkg})`;
  if (w.file) return SOURCES.find(([re]) => re.test(w.file!))?.[1] ?? `other source (${w.file})`;
  return 'other';
}

/** Share of the busy (non-idle) samples per layer; with `frames`, also per frame in each layer. */
export function attribute(profile: Profile, frames?: Map<string, Map<string, number>>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const layerOfNode = new Map<number, string>();
  const resolveLayer = (id: number): string => {
    const known = layerOfNode.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const layer =
      layerOf(node.callFrame, up === undefined ? undefined : byId.get(up)!.callFrame) ??
      (up === undefined ? 'Node internals' : resolveCaller(up));
    layerOfNode.set(id, layer);
    return layer;
  };
  // A frame charged to its caller: the caller's layer, but Node internals that no code outside
  // Node called (the root) are Node's own.
  const resolveCaller = (id: number): string => {
    const layer = resolveLayer(id);
    return layer === 'other' ? 'Node internals' : layer;
  };
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const layer = resolveLayer(id);
    if (layer === '(idle)') continue;
    busy++;
    counts.set(layer, (counts.get(layer) ?? 0) + 1);
    if (frames) {
      const { functionName, url } = byId.get(id)!.callFrame;
      const frame = `${functionName || '(anonymous)'} ${url
        .replace(/^file:\/\//, '')
        .replace(/.*node_modules\//, '')
        .replace(`${ROOT}/`, '')}`;
      const inLayer = frames.get(layer) ?? new Map<string, number>();
      inLayer.set(frame, (inLayer.get(frame) ?? 0) + 1);
      frames.set(layer, inLayer);
    }
  }
  if (frames) for (const inLayer of frames.values()) for (const [frame, n] of inLayer) inLayer.set(frame, n / busy);
  return new Map([...counts].sort((a, b) => b[1] - a[1]).map(([k, c]) => [k, c / busy]));
}

/** `npx tsx bench/attribute.ts <profile.cpuprofile> [CPU µs per request] [--frames]`: layers, and their top frames. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const [file, perRequest] = args.filter((a) => a !== '--frames');
  if (!file) throw new Error('usage: attribute.ts <profile.cpuprofile> [CPU µs per request] [--frames]');
  const frames = args.includes('--frames') ? new Map<string, Map<string, number>>() : undefined;
  const shares = attribute(JSON.parse(readFileSync(file, 'utf8')) as Profile, frames);
  const pct = (share: number) =>
    `${(share * 100).toFixed(1).padStart(5)}%${perRequest ? `  ${(share * Number(perRequest)).toFixed(0).padStart(5)} µs` : ''}`;
  for (const [layer, share] of shares) {
    if (share < 0.002) continue;
    console.log(`${pct(share)}  ${layer}`);
    for (const [frame, s] of [...(frames?.get(layer) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 6))
      if (s >= 0.002) console.log(`          ${pct(s)}  ${frame}`);
  }
}
