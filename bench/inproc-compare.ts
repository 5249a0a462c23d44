import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operations } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';
import { ROOT } from './servers.js';

// `npx tsx bench/inproc-compare.ts <before ref> [after ref | .] [rounds] [requests] [op/surface ...]`: the
// app's own CPU per request in-process (app.fetch: no sockets, no load generator), the product at
// <before ref> against <after ref> (`.`, the default: the working tree), both loaded in this one
// process and measured in alternating batches. On a machine
// other work keeps busy, this is the steadiest before/after figure there is: both sides see the same
// load within a second of each other, and nothing but the app itself is timed.

const [ref = 'HEAD', afterRef = '.', roundsArg = '7', nArg = '2000', ...picked] = process.argv.slice(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type App = { fetch(request: Request): Promise<Response>; close(): Promise<void> };

async function load(root: string, database: string): Promise<App> {
  const { createApp } = await import(join(root, 'src/app.ts'));
  const { openDatabase } = await import(join(root, 'src/db/connection.ts'));
  const { createLogger } = await import(join(root, 'src/ops/logger.ts'));
  return createApp({
    database: await openDatabase(database),
    logger: createLogger({ level: 'info', destination: createWriteStream('/dev/null') as never }),
  });
}

const work = mkdtempSync(join(tmpdir(), 'inproc-compare-'));
const before = join(work, 'before');
const after = afterRef === '.' ? ROOT : join(work, 'after');
for (const [dir, at] of [[before, ref], ...(after === ROOT ? [] : [[after, afterRef]])] as const) {
  execFileSync('git', ['worktree', 'add', '--detach', dir, at], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
}
try {
  const world = await seedTemplate(join(work, 'template.db'), { pool: 60_000 });
  const apps = {
    before: await load(before, copyTemplate(join(work, 'template.db'), join(work, 'before.db'))),
    after: await load(after, copyTemplate(join(work, 'template.db'), join(work, 'after.db'))),
  };
  const cases = (picked.length ? picked : operations.flatMap((o) => [`${o.name}/rest`, `${o.name}/graphql`])).map(
    (c) => {
      const [name, surface] = c.split('/') as [string, 'rest' | 'graphql'];
      const op = operations.find((o) => o.name === name);
      if (!op) throw new Error(`bad case ${c}`);
      return { label: c, op, surface };
    },
  );
  const n = Number(nArg);
  const counters = { before: new Map<string, number>(), after: new Map<string, number>() };
  console.log(
    `app CPU per request in-process (µs, median of ${roundsArg} alternating batches of ${n}): ${ref} → ${afterRef === '.' ? 'working tree' : afterRef}`,
  );
  for (const c of cases) {
    const cpu = { before: [] as number[], after: [] as number[] };
    const batch = async (side: 'before' | 'after', count: number) => {
      let k = counters[side].get(c.op.name) ?? 0;
      const used = process.cpuUsage();
      for (let i = 0; i < count; i++) {
        const { call, check } = c.surface === 'rest' ? c.op.rest(world, k++) : c.op.graphql(world, k++);
        const res = await apps[side].fetch(
          new Request(`http://127.0.0.1${call.path}`, { method: call.method, headers: call.headers, body: call.body }),
        );
        const problem = check(res.status, await res.text());
        if (problem) throw new Error(`${c.label} ${side}: ${problem}`);
      }
      counters[side].set(c.op.name, k);
      const { user, system } = process.cpuUsage(used);
      return (user + system) / count;
    };
    await batch('before', n / 4);
    await batch('after', n / 4);
    for (let r = 0; r < Number(roundsArg); r++) {
      for (const side of r % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const))
        cpu[side].push(await batch(side, n));
    }
    const ratios = cpu.before.map((b, i) => b / cpu.after[i]!);
    console.log(
      `${c.label.padEnd(36)} ${median(cpu.before).toFixed(1).padStart(7)} → ${median(cpu.after).toFixed(1).padStart(7)}  ×${median(ratios).toFixed(2)} faster`,
    );
  }
  await apps.before.close();
  await apps.after.close();
} finally {
  for (const dir of after === ROOT ? [before] : [before, after])
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
