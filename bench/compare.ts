import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saturate } from './load.js';
import { operations } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';
import { cpuSeconds, pinSelf, ROOT, start, type Running } from './servers.js';

// `npm run bench:compare -- <git ref> [reps] [op/surface ...]`: the product at <ref> against the
// working tree, interleaved, saturation only: the before/after figure for one product change.

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  pinSelf();
  const [ref = 'HEAD', repsArg = '5', ...picked] = process.argv.slice(2);
  const work = mkdtempSync(join(tmpdir(), 'music-compare-'));
  const before = join(work, 'before');
  execFileSync('git', ['worktree', 'add', '--detach', before, ref], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(before, 'node_modules'));
  try {
    const world = await seedTemplate(join(work, 'template.db'), { pool: 60_000 });
    const cases = (picked.length ? picked : operations.flatMap((o) => [`${o.name}/rest`, `${o.name}/graphql`])).map((c) => {
      const [name, surface] = c.split('/');
      const op = operations.find((o) => o.name === name);
      if (!op || (surface !== 'rest' && surface !== 'graphql')) throw new Error(`bad case ${c}`);
      return { label: c, op, surface };
    });
    const rps = new Map<string, { before: number[]; after: number[] }>(cases.map((c) => [c.label, { before: [], after: [] }]));
    const cpu = new Map<string, { before: number[]; after: number[] }>(cases.map((c) => [c.label, { before: [], after: [] }]));
    let copies = 0;
    for (let rep = 0; rep < Number(repsArg); rep++) {
      const servers: Record<'before' | 'after', Running> = {
        before: await start('product', copyTemplate(join(work, 'template.db'), join(work, `${copies++}.db`)), { root: before }),
        after: await start('product', copyTemplate(join(work, 'template.db'), join(work, `${copies++}.db`))),
      };
      const k = { before: 0, after: 0 };
      for (const c of cases) {
        for (const side of rep % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
          const next = () => (c.surface === 'rest' ? c.op.rest(world, k[side]++) : c.op.graphql(world, k[side]++));
          await saturate(servers[side].url, next, { connections: 16, seconds: 0.7 });
          const cpuBefore = cpuSeconds(servers[side].pid);
          const r = await saturate(servers[side].url, next, { connections: 16, seconds: 2 });
          if (r.failures) throw new Error(`${c.label} ${side}: ${r.firstFailure}`);
          rps.get(c.label)![side].push(r.rps);
          cpu.get(c.label)![side].push(((cpuSeconds(servers[side].pid) - cpuBefore) * 1e6) / r.requests);
        }
      }
      await servers.before.stop();
      await servers.after.stop();
    }
    console.log(`product at ${ref} (before) vs working tree (after), ${repsArg} interleaved repetitions, median req/s`);
    for (const [label, { before: b, after: a }] of rps) {
      const ratios = a.map((x, i) => x / b[i]!);
      console.log(`${label.padEnd(36)} ${median(b).toFixed(0).padStart(6)} → ${median(a).toFixed(0).padStart(6)}  ×${median(ratios).toFixed(2)}`);
    }
    console.log('server CPU per request (µs, median; lower is better)');
    for (const [label, { before: b, after: a }] of cpu) {
      const ratios = b.map((x, i) => x / a[i]!);
      console.log(`${label.padEnd(36)} ${median(b).toFixed(0).padStart(6)} → ${median(a).toFixed(0).padStart(6)}  ×${median(ratios).toFixed(2)} faster`);
    }
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', before], { cwd: ROOT, stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
