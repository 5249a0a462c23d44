import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attribute } from './attribute.js';
import { saturate } from './load.js';
import { operations } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';
import { cpuSeconds, pinSelf, ROOT, start, type Kind } from './servers.js';

// `npm run bench:profile -- <operation> <rest|graphql|apollo|limit|mercurius|yogaPlain> [seconds]`:
// the server under saturation with --cpu-prof; prints the functions with the most self time and
// keeps the .cpuprofile in bench/profiles/ (open it in Chrome DevTools or speedscope).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export function topFunctions(profile: { nodes: ProfileNode[]; samples: number[] }, n = 25) {
  const self = new Map<number, number>();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  const byFrame = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = self.get(node.id) ?? 0;
    if (!count) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    const frame = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + count);
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
      (file.startsWith('src/')
        ? file.split('/').slice(0, 2).join('/')
        : file.startsWith('node:')
          ? 'node:internal'
          : functionName.startsWith('(')
            ? functionName
            : 'other');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + count);
  }
  const total = profile.samples.length;
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, c]) => ({ name, share: c / total }));
  return { frames: top(byFrame), packages: top(byPackage) };
}

async function main() {
  pinSelf();
  const [opName = 'getCollection', target = 'rest', secondsArg = '5'] = process.argv.slice(2);
  const op = operations.find((o) => o.name === opName);
  if (!op) throw new Error(`unknown operation ${opName}; one of ${operations.map((o) => o.name).join(', ')}`);
  const peers: Record<string, Kind> = {
    limit: 'limit',
    apollo: 'apollo',
    mercurius: 'mercurius',
    yogaPlain: 'yogaPlain',
  };
  const kind: Kind = peers[target] ?? 'product';
  const work = mkdtempSync(join(tmpdir(), 'music-profile-'));
  const world = await seedTemplate(join(work, 'template.db'), { pool: 60_000 });
  const dir = join(ROOT, 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = `${opName}-${target}-${Date.now()}.cpuprofile`;
  process.env.PROFILE_DEFER = '1';
  const server = await start(kind, copyTemplate(join(work, 'template.db'), join(work, 'run.db')), {
    profileTo: join(dir, file),
  });
  let k = 0;
  const next = () => (target === 'rest' || target === 'limit' ? op.rest(world, k++) : op.graphql(world, k++));
  await saturate(server.url, next, { connections: 16, seconds: 2 });
  // The profile starts after the warm-up.
  process.kill(server.pid, 'SIGWINCH');
  await new Promise((r) => setTimeout(r, 100));
  const cpuBefore = cpuSeconds(server.pid);
  const result = await saturate(server.url, next, { connections: 16, seconds: Number(secondsArg) });
  const cpuUs = ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / result.requests;
  await server.stop();
  rmSync(work, { recursive: true, force: true });
  console.log(
    `${opName} ${target}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, failures ${result.failures}, ` +
      `${cpuUs.toFixed(0)} µs server CPU per request (profiled: higher than unprofiled)`,
  );
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const summary = topFunctions(profile);
  console.log(`profile: bench/profiles/${file}\n\nself time by package:`);
  for (const p of summary.packages.slice(0, 15)) console.log(`  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}`);
  console.log('\nself time by function:');
  for (const p of summary.frames) console.log(`  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}`);
  console.log('\nby layer (bench/attribute.ts; share of busy samples):');
  for (const [layer, share] of attribute(profile))
    if (share >= 0.002) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${layer}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
