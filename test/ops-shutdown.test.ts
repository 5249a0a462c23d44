import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connection.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { backend } from './support/backend.js';

// SIGTERM as Kubernetes sends it, to a real server process (tsx src/server.ts on a SQLite file):
// readiness turns 503 at once while traffic is still served, the listener closes after
// SHUTDOWN_DELAY_SECONDS, requests in flight finish, and the process exits 0. Backend-independent:
// it runs once, with the SQLite suite.
const skip = backend !== 'sqlite';
const root = new URL('..', import.meta.url).pathname;
let dir: string;
let key: string;
const children = new Set<ChildProcess>();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'music-gateway-shutdown-'));
  const database = await openDatabase(join(dir, 'music.db'));
  const deps = { database, now: Date.now, traceId: 'req_seed', origin: 'http://x' };
  await createOrganization(deps, { name: 'Acme', id: 'org_acme' });
  const user = await createUser(deps, { email: 'ada@example.com' });
  await addMember(deps, { organizationId: 'org_acme', userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  key = (await createApiKey(deps, { userId: user.id })).key;
  await database.close();
});
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: join(dir, 'music.db'), PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /ready at (http:\/\/\S+)\/graphql/.exec(out);
      if (m?.[1]) resolve(new URL(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, url, exited };
}

/** A POST whose body is still arriving: `finish()` sends the rest and resolves with the answer. */
function slowCreate(url: URL) {
  let sendRest!: () => void;
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/v1/music/org_acme/collections',
        headers: { 'x-api-key': key, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write('{"name": "Written while ');
    sendRest = () => req.end('shutting down"}');
  });
  return {
    answered,
    finish: () => {
      sendRest();
      return answered;
    },
  };
}

const get = (url: URL, path: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, url), { headers: { connection: 'close', ...headers } }).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }));

const refusesConnections = (url: URL) =>
  fetch(new URL('/healthz', url), { headers: { connection: 'close' } }).then(
    () => false,
    () => true,
  );

describe.skipIf(skip)('SIGTERM', () => {
  it('turns readiness 503 first, serves on until the delay ends, then closes the listener and drains', async () => {
    const { child, url, exited } = await startServer({ SHUTDOWN_DELAY_SECONDS: '1.5' });
    expect((await get(url, '/readyz')).status).toBe(200);
    const inFlight = slowCreate(url);
    await new Promise((r) => setTimeout(r, 200));
    const signalled = performance.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));

    // During the delay: not ready, still alive, still serving, new connections still accepted.
    expect(await get(url, '/readyz')).toEqual({ status: 503, body: { status: 'unavailable', shutting_down: true } });
    expect(await get(url, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get(url, '/v1/music/org_acme/collections', { 'x-api-key': key })).status).toBe(200);

    // After it: the listener is closed.
    while (!(await refusesConnections(url))) await new Promise((r) => setTimeout(r, 50));
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(1400);

    // The request that was in flight all along is answered in full, then the process exits 0.
    const answered = await inFlight.finish();
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body).name).toBe('Written while shutting down');
    expect(await exited).toBe(0);
  });

  it('cuts requests off and exits 1 once SHUTDOWN_TIMEOUT_SECONDS have passed after the listener closed', async () => {
    const { child, url, exited } = await startServer({ SHUTDOWN_DELAY_SECONDS: '0', SHUTDOWN_TIMEOUT_SECONDS: '0.5' });
    const stuck = slowCreate(url);
    stuck.answered.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const signalled = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(450);
  });
});
