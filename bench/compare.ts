import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productAnswers } from './answers.js';
import { saturate } from './load.js';
import { operations } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';
import { cpuSeconds, pinSelf, ROOT, start, type Running } from './servers.js';

// `npm run bench:compare -- <git ref> [reps] [op/surface ...] [--mercurius]`: the product at <ref>
// against the working tree, interleaved, saturation only: the before/after figure for one product
// change. With --mercurius the mercurius peer (bench/mercurius) runs the GraphQL cases in the same
// interleaving, each answer checked against the product's, and the working tree ÷ mercurius is
// printed too (issue 15's yardstick).

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  pinSelf();
  const withPeer = process.argv.includes('--mercurius');
  const [ref = 'HEAD', repsArg = '5', ...picked] = process.argv.slice(2).filter((a) => a !== '--mercurius');
  const work = mkdtempSync(join(tmpdir(), 'music-compare-'));
  const before = join(work, 'before');
  execFileSync('git', ['worktree', 'add', '--detach', before, ref], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(before, 'node_modules'));
  try {
    const world = await seedTemplate(join(work, 'template.db'), { pool: 60_000 });
    const cases = (picked.length ? picked : operations.flatMap((o) => [`${o.name}/rest`, `${o.name}/graphql`])).map(
      (c) => {
        const [name, surface] = c.split('/');
        const op = operations.find((o) => o.name === name);
        if (!op || (surface !== 'rest' && surface !== 'graphql')) throw new Error(`bad case ${c}`);
        return { label: c, op, surface };
      },
    );
    type Side = 'before' | 'after' | 'mercurius';
    const rps = new Map<string, Record<Side, number[]>>(
      cases.map((c) => [c.label, { before: [], after: [], mercurius: [] }]),
    );
    const cpu = new Map<string, Record<Side, number[]>>(
      cases.map((c) => [c.label, { before: [], after: [], mercurius: [] }]),
    );
    const answers = withPeer
      ? await productAnswers(copyTemplate(join(work, 'template.db'), join(work, 'answers.db')), world, operations)
      : undefined;
    let copies = 0;
    for (let rep = 0; rep < Number(repsArg); rep++) {
      const servers: Partial<Record<Side, Running>> = {
        before: await start('product', copyTemplate(join(work, 'template.db'), join(work, `${copies++}.db`)), {
          root: before,
        }),
        after: await start('product', copyTemplate(join(work, 'template.db'), join(work, `${copies++}.db`))),
      };
      if (withPeer)
        servers.mercurius = await start(
          'mercurius',
          copyTemplate(join(work, 'template.db'), join(work, `${copies++}.db`)),
        );
      const k = { before: 0, after: 0, mercurius: 0 };
      for (const c of cases) {
        const sides: Side[] =
          withPeer && c.surface === 'graphql' ? ['before', 'after', 'mercurius'] : ['before', 'after'];
        for (const side of sides.map((_, i) => sides[(i + rep) % sides.length]!)) {
          const server = servers[side]!;
          const next = () =>
            side === 'mercurius'
              ? answers!.checked(c.op, c.op.graphql(world, k[side]++))
              : c.surface === 'rest'
                ? c.op.rest(world, k[side]++)
                : c.op.graphql(world, k[side]++);
          await saturate(server.url, next, { connections: 16, seconds: 0.7 });
          const cpuBefore = cpuSeconds(server.pid);
          const r = await saturate(server.url, next, { connections: 16, seconds: 2 });
          if (r.failures) throw new Error(`${c.label} ${side}: ${r.firstFailure}`);
          rps.get(c.label)![side].push(r.rps);
          cpu.get(c.label)![side].push(((cpuSeconds(server.pid) - cpuBefore) * 1e6) / r.requests);
        }
      }
      for (const server of Object.values(servers)) await server.stop();
    }
    console.log(`product at ${ref} (before) vs working tree (after), ${repsArg} interleaved repetitions, median req/s`);
    for (const [label, { before: b, after: a }] of rps) {
      const ratios = a.map((x, i) => x / b[i]!);
      console.log(
        `${label.padEnd(36)} ${median(b).toFixed(0).padStart(6)} → ${median(a).toFixed(0).padStart(6)}  ×${median(ratios).toFixed(2)}`,
      );
    }
    console.log('server CPU per request (µs, median; lower is better)');
    for (const [label, { before: b, after: a }] of cpu) {
      const ratios = b.map((x, i) => x / a[i]!);
      console.log(
        `${label.padEnd(36)} ${median(b).toFixed(0).padStart(6)} → ${median(a).toFixed(0).padStart(6)}  ×${median(ratios).toFixed(2)} faster`,
      );
    }
    if (withPeer) {
      console.log(
        'working tree ÷ mercurius (per repetition, median): req/s, and CPU per request (mercurius ÷ working tree)',
      );
      for (const [label, { after: a, mercurius: m }] of rps) {
        if (m.length === 0) continue;
        const c = cpu.get(label)!;
        const cpuRatios = c.mercurius.map((x, i) => x / c.after[i]!);
        console.log(
          `${label.padEnd(36)} ×${median(a.map((x, i) => x / m[i]!)).toFixed(2)} req/s  ×${median(cpuRatios).toFixed(2)} CPU`,
        );
      }
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
