import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmScriptArgv } from '../scripts/npm-script.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The processes a benchmark compares. */
export type Kind = 'limit' | 'product' | 'apollo' | 'mercurius' | 'yogaPlain';

const ENTRY: Record<Kind, string> = {
  limit: 'bench/limit/server.ts',
  product: 'src/server.ts',
  apollo: 'bench/apollo/server.ts',
  mercurius: 'bench/mercurius/server.ts',
  yogaPlain: 'bench/yoga-plain/server.ts',
};

/** The product as deployed: rate limit off for the benchmark, logging at its production default. */
export const PRODUCT_ENV = { RATE_LIMIT_PER_MINUTE: '0', COST_BUDGET: '0', LOG_LEVEL: 'info', NODE_ENV: 'production' };

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const cores = Number(spawnSync('nproc').stdout?.toString().trim() || 1);

/** Server on core 0, load generator (this process) on core 1, when there are two. */
export function pinSelf(): void {
  if (hasTaskset && cores > 1) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => done(true));
    });
    req.on('error', () => done(false));
    req.on('timeout', () => {
      req.destroy();
      done(false);
    });
  });
}

// Servers this run started; stopped if the run ends early.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Running {
  kind: Kind;
  url: string;
  pid: number;
  /** Resident and peak resident memory in MB, from /proc. */
  memory(): { rss: number; hwm: number };
  stop(): Promise<void>;
}

/**
 * CPU seconds (user + system) a process has used, from /proc. Per request, it is the figure that
 * survives a loaded machine: throughput drops when other work takes the core, CPU per request
 * barely moves.
 */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const built = new Set<string>();

/**
 * The product exactly as `npm start` launches it in `root`: its prestart (the build) once per run,
 * then the start script's own command line (`node --enable-source-maps dist/server.js`; an older
 * checkout's `tsx src/server.ts` for bench/compare.ts).
 */
function productCommand(root: string): string[] {
  if (!built.has(root)) {
    const prestart = npmScriptArgv(root, 'prestart');
    if (prestart && spawnSync(prestart[0]!, prestart.slice(1), { cwd: root, stdio: 'inherit' }).status !== 0) {
      throw new Error(`the build (npm prestart) failed in ${root}`);
    }
    built.add(root);
  }
  return npmScriptArgv(root, 'start')!;
}

/**
 * A profiled server runs its source through tsx (bench/profiled.ts imports ENTRY): a profile of
 * the bundle would attribute every dependency's time to dist/server.js.
 */
export function command(kind: Kind, profiled = false, root = ROOT): string[] {
  const node = profiled
    ? [process.execPath, '--import', 'tsx', 'bench/profiled.ts']
    : kind === 'product'
      ? productCommand(root)
      : [process.execPath, '--import', 'tsx', ENTRY[kind]];
  return hasTaskset && cores > 1 ? ['taskset', '-c', '0', ...node] : node;
}

export async function start(
  kind: Kind,
  databasePath: string,
  options: {
    profileTo?: string;
    /** another checkout of the project (bench/compare.ts) */
    root?: string;
    /** cores for taskset in place of command()'s, e.g. '0,1' to let the process run on either */
    cpus?: string;
    /** on top of PRODUCT_ENV, e.g. a cost budget (bench/limits-overhead.ts) */
    env?: Record<string, string>;
  } = {},
): Promise<Running> {
  const port = await freePort();
  const launch = command(kind, options.profileTo !== undefined, options.root ?? ROOT);
  if (options.cpus && launch[0] === 'taskset') launch[2] = options.cpus;
  const [bin, ...args] = launch;
  const profileEnv = options.profileTo ? { PROFILE_ENTRY: ENTRY[kind], PROFILE_OUT: options.profileTo } : {};
  const child: ChildProcess = spawn(bin!, args, {
    cwd: options.root ?? ROOT,
    env: {
      ...process.env,
      ...(kind === 'product' ? PRODUCT_ENV : { NODE_ENV: 'production' }),
      ...options.env,
      ...profileEnv,
      DATABASE_URL: databasePath,
      PORT: String(port),
    },
    // Request log lines are written (serialised and handed to the kernel) but not kept.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  live.add(child);
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      done();
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (exited) throw new Error(`${kind} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${kind} not ready after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const pid = child.pid!;
  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    pid,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
      return { rss: field('VmRSS'), hwm: field('VmHWM') };
    },
    async stop() {
      if (exited) return;
      child.kill(options.profileTo ? 'SIGUSR2' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * Spawn to the ready line of `npm start`'s server process on a new, empty database (migrations
 * run). The build (prestart) is done before, once: it is not part of a start.
 */
export async function coldStart(databasePath: string): Promise<number> {
  const [bin, ...args] = command('product');
  const started = performance.now();
  const child = spawn(bin!, args, {
    cwd: ROOT,
    env: { ...process.env, ...PRODUCT_ENV, DATABASE_URL: databasePath, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('music-gateway ready at')) {
        const ms = performance.now() - started;
        child.kill('SIGTERM');
        child.once('exit', () => done(ms));
      }
    });
    child.once('exit', (code) => {
      if (!out.includes('ready')) fail(new Error(`server exited with ${code} before ready`));
    });
  });
}
