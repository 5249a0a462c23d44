import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

// Real processes, started the way an operator starts them, so a kill is a real process death
// (not an in-process simulation that would still let finally blocks and exit hooks run).

export const root = new URL('../..', import.meta.url).pathname;

export interface Demo {
  organization_id: string;
  user_id: string;
  key: string;
  track_ids: string[];
  collection_id: string;
}

/** Seeds an organization, a member with USE_MUSIC_GENERATION and a key through the admin CLI. */
export function seedDemo(databaseUrl: string): Demo {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'demo'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`admin demo failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Demo;
}

export interface ServerProcess {
  child: ChildProcess;
  /** The origin, e.g. http://127.0.0.1:40123 */
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the server wrote to stderr, for failure reports. */
  stderr: () => string;
}

export async function startServer(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      RATE_LIMIT_PER_MINUTE: '0',
      COST_BUDGET: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail is kept: a failure report needs the last words, not a whole request log.
  let err = '';
  child.stderr!.on('data', (chunk) => (err = (err + chunk).slice(-8000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out: string | null = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not ready after 60 s: ${err}`));
    }, 60_000);
    // stdout keeps being drained after the ready line, so a chatty log cannot fill the pipe and stall the server.
    child.stdout!.on('data', (chunk) => {
      if (out === null) return;
      out += chunk;
      const m = /ready at (http:\/\/\S+)\/graphql/.exec(out);
      if (m?.[1]) {
        out = null;
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before ready: ${err}`));
    });
  });
  return { child, url, exited, stderr: () => err };
}
