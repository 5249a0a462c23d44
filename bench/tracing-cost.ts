import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { operations } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';

// `npx tsx bench/tracing-cost.ts [base ref] [rounds] [requests]`: what OpenTelemetry tracing costs
// the app, in-process (app.fetch, no sockets), as CPU per request: the app at <base ref> (before
// tracing existed), the working tree with tracing off (the default), and with tracing on
// (every span made and handed to an exporter that drops it). The three run in one process, each
// on its own copy of one seeded database, interleaved round by round in alternating order.

const [baseRef = 'c7d1833', roundsArg = '9', nArg = '3000'] = process.argv.slice(2);
const ROOT = new URL('..', import.meta.url).pathname;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;
const median = (xs: number[]) => quantile(xs, 0.5);
/** The median ratio of paired rounds, with the middle half of the ratios around it. */
const ratio = (a: number[], b: number[]) => {
  const r = a.map((x, i) => x / b[i]!);
  return `×${median(r).toFixed(3)} (${quantile(r, 0.25).toFixed(2)}–${quantile(r, 0.75).toFixed(2)})`;
};

const dropping: SpanExporter = {
  export: (_spans: ReadableSpan[], done: (result: ExportResult) => void) => done({ code: 0 }),
  shutdown: async () => {},
};

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'music-tracing-cost-'));
  const base = join(work, 'base');
  execFileSync('git', ['worktree', 'add', '--detach', base, baseRef], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(base, 'node_modules'));
  try {
    const template = join(work, 'template.db');
    const world = await seedTemplate(template, { pool: 60_000 });
    const logger = () => ({
      level: 'info' as const,
      destination: createWriteStream('/dev/null') as unknown as { write(line: string): unknown },
    });

    const { createApp: createBefore } = (await import(join(base, 'src/app.ts'))) as typeof import('../src/app.js');
    const { openDatabase: openBefore } = (await import(
      join(base, 'src/db/connection.ts')
    )) as typeof import('../src/db/connection.js');
    const { createLogger: loggerBefore } = (await import(
      join(base, 'src/ops/logger.ts')
    )) as typeof import('../src/ops/logger.js');
    const { createApp } = await import('../src/app.js');
    const { openDatabase } = await import('../src/db/connection.js');
    const { createLogger } = await import('../src/ops/logger.js');
    const { startTracing } = await import('../src/ops/tracing.js');
    const tracing = await startTracing({ exporters: ['otlp'], protocol: 'http/protobuf' }, { exporter: dropping });

    const apps = {
      before: createBefore({
        database: await openBefore(copyTemplate(template, join(work, 'before.db'))),
        logger: loggerBefore(logger()),
      }),
      off: createApp({
        database: await openDatabase(copyTemplate(template, join(work, 'off.db'))),
        logger: createLogger(logger()),
      }),
      on: createApp({
        database: await openDatabase(copyTemplate(template, join(work, 'on.db')), {
          traceStatement: tracing.statements('sqlite'),
        }),
        logger: createLogger(logger()),
        tracing,
      }),
    };
    type Variant = keyof typeof apps;
    const variants = Object.keys(apps) as Variant[];
    const cases = ['getCollection/rest', 'getCollection/graphql', 'createCollection/rest', 'createCollection/graphql'];
    const n = Number(nArg);
    const k: Record<Variant, number> = { before: 0, off: 0, on: 0 };
    const run = async (variant: Variant, label: string, count: number) => {
      const [name, surface] = label.split('/');
      const op = operations.find((o) => o.name === name)!;
      const cpu = process.cpuUsage();
      for (let i = 0; i < count; i++) {
        const { call, check } = surface === 'rest' ? op.rest(world, k[variant]++) : op.graphql(world, k[variant]++);
        const res = await apps[variant].fetch(
          new Request(`http://127.0.0.1${call.path}`, { method: call.method, headers: call.headers, body: call.body }),
        );
        const problem = check(res.status, await res.text());
        if (problem) throw new Error(`${variant} ${label}: ${problem}`);
      }
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / count;
    };

    const results = new Map(cases.map((c) => [c, { before: [] as number[], off: [] as number[], on: [] as number[] }]));
    for (const c of cases) for (const v of variants) await run(v, c, n / 3);
    for (let round = 0; round < Number(roundsArg); round++) {
      // Each round in another order, so a variant is not always first (or last) after a pause.
      const order = [...variants.slice(round % 3), ...variants.slice(0, round % 3)];
      if (round % 2) order.reverse();
      for (const c of cases) for (const v of order) results.get(c)![v].push(await run(v, c, n));
    }
    console.log(
      `in-process CPU per request (µs, median of ${roundsArg} interleaved rounds of ${n}); before = ${baseRef}`,
    );
    console.log(
      `${'case'.padEnd(26)} ${'before'.padStart(7)} ${'off'.padStart(7)} ${'on'.padStart(7)}   off/before (middle half)   on/off (middle half)`,
    );
    for (const [c, r] of results) {
      const cells = [r.before, r.off, r.on].map((xs) => median(xs).toFixed(1).padStart(7)).join(' ');
      console.log(`${c.padEnd(26)} ${cells}   ${ratio(r.off, r.before).padEnd(26)} ${ratio(r.on, r.off)}`);
    }
    for (const app of Object.values(apps)) await app.close();
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', base], { cwd: ROOT, stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
