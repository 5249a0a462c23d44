import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { productAnswers } from './answers.js';
import { saturate, type PhaseResult } from './load.js';
import { operations, type Operation } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';
import { cpuSeconds, pinSelf, ROOT, start, type Kind, type Running } from './servers.js';

// `npm run bench:peers -- [repetitions] [operation ...]`: the product's GraphQL endpoint against
// the hand-written peers (mercurius with graphql-jit, plain graphql-yoga) on the same operations,
// interleaved and rotated per repetition (after a warm-up of every operation on every server),
// each server in turn alone on core 0 with the load generator on core 1, at saturation. Per
// sample: req/s, server CPU per request (from /proc), and the CPU the rest of the machine used
// meanwhile. Each sample first waits (up to PEERS_PATIENCE_S, 120 s) for the machine's other work
// to fall under PEERS_BUSY (0.15 cores); a sample taken while other work ran anyway is taken again
// (PEERS_ATTEMPTS, 3 in all), and the least disturbed attempt is kept. Every peer response is checked against
// the product's answer (bench/answers.ts). Prints medians and per-repetition ratios.

export const PEER_OPERATIONS = [
  'getCollection',
  'createCollection',
  'deleteCollection',
  'listCollections',
  'collectionTracksPage',
];
const SERVERS = ['product', 'mercurius', 'yogaPlain'] as const;
type Server = (typeof SERVERS)[number];

/** Busy CPU seconds of the whole machine so far (every core), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

export interface PeerSample {
  rep: number;
  op: string;
  server: Server;
  rps: number;
  p50: number;
  /** server CPU per request, µs */
  cpuUs: number;
  /** cores' worth of CPU that neither the server nor the load generator used during the phase */
  others: number;
  attempts: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Waits (up to `patienceMs`) until the machine's other work uses less than `limit` cores over half
 * a second, with our servers idle; returns the cores it used at the last look.
 */
async function quiet(limit: number, patienceMs: number): Promise<number> {
  const until = Date.now() + patienceMs;
  for (;;) {
    const busy0 = machineBusySeconds();
    const self0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const self = process.cpuUsage(self0);
    const others = (machineBusySeconds() - busy0 - (self.user + self.system) / 1e6) / 0.5;
    if (others < limit || Date.now() > until) return others;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function measure(server: Running, next: () => ReturnType<Operation['graphql']>, seconds: number) {
  const cpu0 = cpuSeconds(server.pid);
  const busy0 = machineBusySeconds();
  const result: PhaseResult = await saturate(server.url, next, { connections: 16, seconds });
  const serverCpu = cpuSeconds(server.pid) - cpu0;
  const others = Math.max(
    0,
    (machineBusySeconds() - busy0 - serverCpu - result.loadgenCpu * result.seconds) / result.seconds,
  );
  return { result, cpuUs: (serverCpu * 1e6) / result.requests, others };
}

async function main() {
  pinSelf();
  const [repsArg = '5', ...picked] = process.argv.slice(2);
  const reps = Number(repsArg);
  const ops = (picked.length ? picked : PEER_OPERATIONS).map((name) => {
    const op = operations.find((o) => o.name === name);
    if (!op) throw new Error(`unknown operation ${name}; one of ${operations.map((o) => o.name).join(', ')}`);
    return op;
  });
  const warmup = Number(process.env.PEERS_WARMUP ?? 1);
  const seconds = Number(process.env.PEERS_SECONDS ?? 2.5);
  const busyLimit = Number(process.env.PEERS_BUSY ?? 0.15);
  const patienceMs = Number(process.env.PEERS_PATIENCE_S ?? 120) * 1000;
  const maxAttempts = Number(process.env.PEERS_ATTEMPTS ?? 3);
  const work = mkdtempSync(join(tmpdir(), 'music-peers-'));
  const template = join(work, 'template.db');
  const world = await seedTemplate(template, { pool: 90_000 });
  let copies = 0;
  const fresh = () => copyTemplate(template, join(work, `${copies++}.db`));
  const answers = await productAnswers(fresh(), world, ops);
  const samples: PeerSample[] = [];
  const loads: { rep: number; before: number[]; after: number[] }[] = [];
  // Saved after every repetition: a run cut short keeps what it measured.
  const dir = join(ROOT, 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `peers-${Date.now()}.json`);
  const save = () => writeFileSync(file, JSON.stringify({ loads, samples }, null, 1));
  console.error(
    `peers: ${reps} repetitions of ${ops.map((o) => o.name).join(', ')}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    for (let rep = 1; rep <= reps; rep++) {
      const before = loadavg();
      const servers = new Map<Server, Running>();
      for (const kind of SERVERS) servers.set(kind, await start(kind as Kind, fresh()));
      const k = new Map<string, number>();
      const sampler = (name: Server, op: Operation) => () => {
        const key = `${name}/${op.name}`;
        const i = k.get(key) ?? 0;
        k.set(key, i + 1);
        const sample = op.graphql(world, i);
        return name === 'product' ? sample : answers.checked(op, sample);
      };
      // Every operation once on every server first: the first phase after a start otherwise
      // measures V8 compiling the server's code (and graphql-jit compiling the documents).
      for (const name of SERVERS)
        for (const op of ops)
          await saturate(servers.get(name)!.url, sampler(name, op), { connections: 16, seconds: warmup });
      for (const op of ops) {
        const order = SERVERS.map((_, i) => SERVERS[(i + rep) % SERVERS.length]!);
        for (const name of order) {
          const server = servers.get(name)!;
          if (!existsSync(`/proc/${server.pid}`))
            throw new Error(`${name} (pid ${server.pid}) is gone: exited, or ended by a signal from outside this run`);
          const next = sampler(name, op);
          await quiet(busyLimit, patienceMs);
          await saturate(server.url, next, { connections: 16, seconds: warmup });
          let best: Awaited<ReturnType<typeof measure>> | undefined;
          let attempts = 0;
          while (attempts < maxAttempts && (!best || best.others > busyLimit)) {
            if (attempts++ > 0) await quiet(busyLimit, patienceMs);
            const m = await measure(server, next, seconds);
            if (m.result.failures > 0)
              throw new Error(
                `rep ${rep} ${op.name} ${name}: ${m.result.failures} failures; first: ${m.result.firstFailure}`,
              );
            if (!best || m.others < best.others) best = m;
          }
          samples.push({
            rep,
            op: op.name,
            server: name,
            rps: best!.result.rps,
            p50: best!.result.p50,
            cpuUs: best!.cpuUs,
            others: best!.others,
            attempts,
          });
          console.error(
            `  rep ${rep} ${op.name.padEnd(22)} ${name.padEnd(10)} ${best!.result.rps.toFixed(0).padStart(6)} req/s ${best!.cpuUs.toFixed(0).padStart(6)} µs CPU/req  others ${best!.others.toFixed(2)} core${attempts > 1 ? ` (${attempts} attempts)` : ''}`,
          );
        }
      }
      for (const server of servers.values()) await server.stop();
      loads.push({ rep, before, after: loadavg() });
      save();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  save();
  console.log(peersTable(samples));
  console.log(
    `\nload average per repetition (before → after): ${loads.map((l) => `${l.before[0]!.toFixed(2)}→${l.after[0]!.toFixed(2)}`).join(', ')}`,
  );
  console.log(`raw samples: ${file.replace(`${ROOT}/`, '')}`);
}

/** Medians per server, and per-repetition ratios (same repetition, same machine state) with their median. */
export function peersTable(samples: PeerSample[]): string {
  const lines = [
    '| operation | product req/s | CPU µs/req | mercurius req/s | CPU µs/req | product ÷ mercurius req/s | CPU: mercurius ÷ product | yoga (plain) req/s | CPU µs/req | product ÷ yoga req/s | CPU: yoga ÷ product |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const op of [...new Set(samples.map((s) => s.op))]) {
    const of = (server: Server) => samples.filter((s) => s.op === op && s.server === server);
    const ratio = (peer: Server, field: 'rps' | 'cpuUs') => {
      const rs = of('product').flatMap((p) => {
        const q = of(peer).find((s) => s.rep === p.rep);
        return q ? [field === 'rps' ? p.rps / q.rps : q.cpuUs / p.cpuUs] : [];
      });
      return `${median(rs).toFixed(2)} (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`;
    };
    const cell = (server: Server, field: 'rps' | 'cpuUs') => median(of(server).map((s) => s[field])).toFixed(0);
    lines.push(
      `| ${op} | ${cell('product', 'rps')} | ${cell('product', 'cpuUs')} | ${cell('mercurius', 'rps')} | ${cell('mercurius', 'cpuUs')} | ${ratio('mercurius', 'rps')} | ${ratio('mercurius', 'cpuUs')} | ${cell('yogaPlain', 'rps')} | ${cell('yogaPlain', 'cpuUs')} | ${ratio('yogaPlain', 'rps')} | ${ratio('yogaPlain', 'cpuUs')} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
