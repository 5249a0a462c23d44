import type { Results, SampleResult, Target } from './run.js';

// The results.md section on the hand-written peers (issue 15's yardstick): the product's GraphQL
// endpoint against Fastify + mercurius with graphql-jit, and against plain graphql-yoga, on the
// same operations, with server CPU per request beside req/s.

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const range = (xs: number[], digits = 2) => `${f(Math.min(...xs), digits)}–${f(Math.max(...xs), digits)}`;

/** The operations the issue names, in its words, then the rest. */
const NAMED: Record<string, string> = {
  getCollection: 'single read',
  createCollection: 'create',
  deleteCollection: 'delete',
  listCollections: 'nested page',
  collectionTracksPage: 'tracks page',
};

export function peersSection(results: Results): string[] {
  const { samples } = results;
  const lines = ['', '## Against hand-written peers: Fastify + mercurius (graphql-jit) and plain graphql-yoga', ''];
  if (!samples.some((s) => s.target === 'mercurius')) {
    lines.push('Not measured: this run predates the hand-written peers (bench/mercurius, bench/yoga-plain).');
    return lines;
  }
  const of = (op: string, t: Target) => samples.filter((s) => s.op === op && s.target === t);
  const cpu = (s: SampleResult) => s.serverCpuUs ?? NaN;
  /** Per repetition (same machine state): product ÷ peer for req/s, peer ÷ product for CPU per request. */
  const perRep = (op: string, peer: Target, field: 'rps' | 'cpu') =>
    of(op, 'graphql').flatMap((p) => {
      const q = of(op, peer).find((s) => s.rep === p.rep);
      return q ? [field === 'rps' ? p.saturation.rps / q.saturation.rps : cpu(q) / cpu(p)] : [];
    });
  const cells = (op: string, t: Target) => {
    const group = of(op, t);
    return `${f(median(group.map((s) => s.saturation.rps)), 0)} | ${f(median(group.map(cpu)), 0)}`;
  };
  const ratio = (op: string, peer: Target, field: 'rps' | 'cpu') => {
    const r = perRep(op, peer, field);
    return r.length ? `${f(median(r))} (${range(r)})` : 'n/a';
  };
  const ops = [...new Set(samples.map((s) => s.op))].sort((a, b) => (a in NAMED ? 0 : 1) - (b in NAMED ? 0 : 1));
  lines.push(
    'req/s at saturation and server CPU per request (µs) for the same GraphQL documents, medians over the repetitions; ratios are per repetition (same repetition, same machine state), median and range. Above 1 the product is ahead: product ÷ peer for req/s, peer ÷ product for CPU per request.',
    '',
    '| operation | product req/s | µs/req | mercurius req/s | µs/req | product ÷ mercurius | CPU: mercurius ÷ product | plain yoga req/s | µs/req | product ÷ plain yoga | CPU: plain yoga ÷ product |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...ops.map(
      (op) =>
        `| ${op}${NAMED[op] ? ` (${NAMED[op]})` : ''} | ${cells(op, 'graphql')} | ${cells(op, 'mercurius')} | ${ratio(op, 'mercurius', 'rps')} | ${ratio(op, 'mercurius', 'cpu')} | ${cells(op, 'yogaPlain')} | ${ratio(op, 'yogaPlain', 'rps')} | ${ratio(op, 'yogaPlain', 'cpu')} |`,
    ),
  );
  const named = Object.keys(NAMED).filter((op) => ops.includes(op));
  const short = named.filter((op) => median(perRep(op, 'mercurius', 'rps')) < 1);
  lines.push(
    '',
    `Target (issue 15): product ÷ mercurius ≥ 1.0 on ${named.map((op) => NAMED[op]).join(', ')}: ${short.length ? `**not met** (${short.map((op) => `${NAMED[op]} ${f(median(perRep(op, 'mercurius', 'rps')))}`).join(', ')})` : 'met'}.`,
    '',
    "The peers: `bench/mercurius/` (Fastify 5, mercurius 16 with `jit: 1`, mercurius loaders below a collection) and `bench/yoga-plain/` (graphql-yoga with graphql-js, no jit, DataLoaders over the same batch functions) serve a hand-written subset of schema.graphql with the same names, through plain resolvers running the statements the product runs (key by hash, memberships, ownership, the same transactions and audit rows; one statement per level on the nested page) on their own copy of the same database, prepared once on one better-sqlite3 connection. They write no log line and record no metrics; the product does both. Every peer response was checked against the product's own answer to the same request (`bench/answers.ts`), and `test/bench-mercurius-parity.test.ts` fails when their answers or statements drift. Saturation only (no fixed-rate phases), in the same interleaved repetitions as the table above.",
  );
  return lines;
}
