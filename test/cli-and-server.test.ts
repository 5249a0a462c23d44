import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { npmScriptArgv } from '../scripts/npm-script.js';
import { backend, serverDatabaseUrl } from './support/backend.js';
import { startCollector } from './support/otlp-collector.js';

// The CLI and the server run as child processes, which cannot reach an in-process PGlite: this
// file runs on SQLite files and, when TEST_DATABASE names a server, on a database there.
const skip = backend === 'pglite';

const root = new URL('..', import.meta.url).pathname;
let dir: string;
let env: NodeJS.ProcessEnv;
let dropDatabase: (() => Promise<void>) | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'music-gateway-cli-'));
  let databaseUrl = join(dir, 'music.db');
  if (backend === 'postgres') ({ url: databaseUrl, drop: dropDatabase } = await serverDatabaseUrl());
  env = { ...process.env, DATABASE_URL: databaseUrl };
});
// Servers a failed test left running are stopped, not left behind holding a port and a database.
const servers = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of servers) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  await dropDatabase?.();
  dropDatabase = undefined;
});

function admin(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) };
}

describe.skipIf(skip)('admin CLI', () => {
  it('creates an organization, a user, a membership and a key that the API accepts, then revokes it', async () => {
    const org = admin('org', 'create', '--name', 'Acme', '--id', 'org_acme');
    expect(org.status).toBe(0);
    expect(org.json()).toEqual({ id: 'org_acme', name: 'Acme' });
    const user = admin('user', 'create', '--email', 'ada@example.com', '--name', 'Ada');
    expect(user.json()).toMatchObject({ id: expect.stringMatching(/^usr_/), email: 'ada@example.com', name: 'Ada' });
    const userId = user.json().id;
    const member = admin(
      'member',
      'add',
      '--org',
      'org_acme',
      '--user',
      userId,
      '--capability',
      'USE_MUSIC_GENERATION',
    );
    expect(member.status).toBe(0);
    expect(member.json().capabilities).toEqual(['USE_MUSIC_GENERATION']);
    const key = admin('key', 'create', '--user', userId, '--label', 'laptop');
    expect(key.json()).toMatchObject({ id: expect.stringMatching(/^key_/), key: expect.stringMatching(/^mgk_/) });

    const { createApp } = await import('../src/app.js');
    const { openDatabase } = await import('../src/db/connection.js');
    const app = createApp({ database: await openDatabase(env.DATABASE_URL!) });
    const call = () =>
      app.fetch(
        new Request('http://x/v1/music/org_acme/collections', {
          method: 'POST',
          headers: { 'x-api-key': key.json().key, 'content-type': 'application/json' },
          body: '{"name":"From the CLI"}',
        }),
      );
    expect((await call()).status).toBe(201);
    expect(admin('key', 'revoke', '--id', key.json().id).json()).toEqual({ id: key.json().id, revoked: true });
    expect((await call()).status).toBe(401);
    await app.close();
  });

  it('answers mistakes with a message and a non-zero exit', () => {
    for (const args of [
      ['org', 'create'],
      ['org', 'create', '--name', 'X', '--id', 'nope'],
      ['user', 'create', '--email', 'not-an-email'],
      ['member', 'add', '--org', 'org_missing', '--user', 'usr_missing'],
      ['key', 'revoke', '--id', 'key_missing'],
      ['frobnicate'],
      ['org', 'create', '--colour', 'red'],
    ]) {
      const r = admin(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.err).toMatch(/^error: /);
      expect(r.out).toBe('');
    }
  });

  it('demo prints a key and a curl line for a populated organization', () => {
    const r = admin('demo');
    expect(r.status).toBe(0);
    const demo = r.json();
    expect(demo.key).toMatch(/^mgk_/);
    expect(demo.track_ids).toHaveLength(3);
    expect(demo.try).toContain(`/v1/music/${demo.organization_id}/collections`);
  });
});

/** src/server.ts through tsx unless given another command line. */
function startServer(
  extraEnv: Record<string, string> = {},
  argv = [process.execPath, '--import', 'tsx', 'src/server.ts'],
) {
  const [bin, ...args] = argv;
  const child = spawn(bin!, args, {
    cwd: root,
    env: { ...env, PORT: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.add(child);
  child.once('exit', () => servers.delete(child));
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /ready at (http:\/\/\S+)\/graphql/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, ready, exited };
}

describe.skipIf(skip)('npm start', () => {
  // What npm start runs, built as npm start builds it (prestart): a build that bundles something
  // wrongly, or a path that only resolves from src/, fails here although every in-process test passes.
  it('runs the built server: ready line, health, GraphQL, REST, metrics, pages and assets, exit 0 on SIGTERM, tracing, stack traces into src/', async () => {
    const [node, ...buildArgs] = npmScriptArgv(root, 'prestart')!;
    const build = spawnSync(node!, buildArgs, { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const key = admin('demo').json();
    const argv = npmScriptArgv(root, 'start')!;
    expect(argv.slice(1)).toContain('dist/server.js');
    const { child, ready, exited } = startServer({}, argv);
    const url = await ready;
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers });
    expect((await get('/healthz')).status).toBe(200);
    expect(await (await get('/readyz')).json()).toMatchObject({ status: 'ready' });

    const auth = { 'x-api-key': key.key, 'content-type': 'application/json' };
    const query =
      'query ($id: ID!) { node(id: $id) { ... on Collection { name tracks(first: 5) { edges { node { title } } } } } }';
    const graphql = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ query, variables: { id: key.collection_id } }),
    });
    expect(await graphql.json()).toMatchObject({
      data: { node: { name: 'Focus Sessions', tracks: { edges: expect.any(Array) } } },
    });
    const rest = await get(`/v1/music/${key.organization_id}/collections/${key.collection_id}`, auth);
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ id: key.collection_id });
    const refused = await fetch(`${url}/graphql`, { method: 'POST', headers: auth, body: '{"query": "{ nope }"}' });
    expect((await refused.json()).errors).toHaveLength(1);

    expect(await (await get('/metrics')).text()).toContain('process_resident_memory_bytes');
    expect((await (await get('/v1/openapi.json')).json()).info.version).toMatch(/^\d+\.\d+\.\d+/);
    const graphiql = await get('/graphql', { accept: 'text/html' });
    expect(await graphiql.text()).toContain('X-API-Key');
    expect((await get('/assets/graphiql/graphiql.js')).status).toBe(200);
    expect((await get('/v1/docs')).status).toBe(200);
    expect((await get('/assets/docs/swagger-ui-bundle.js')).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Tracing loads the OpenTelemetry SDK and its OTLP exporter from the bundle's own chunks.
    const collector = await startCollector();
    try {
      const traced = startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint }, argv);
      expect((await fetch(`${await traced.ready}/healthz`)).status).toBe(200);
      traced.child.kill('SIGTERM');
      expect(await traced.exited).toBe(0);
      await collector.received();
      expect(collector.exports[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/x-protobuf' });
      expect(collector.exports[0]!.body.toString('latin1')).toContain('GET /healthz');
    } finally {
      collector.close();
    }

    // A bad setting is one line; with LOG_LEVEL=debug its stack trace follows, naming src/ lines (source maps).
    const failed = spawnSync(argv[0]!, argv.slice(1), {
      cwd: root,
      env: { ...env, PORT: 'not-a-port' },
      encoding: 'utf8',
    });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toBe(
      'error: PORT must be a whole number from 0 to 65535 (0 picks a free port), got "not-a-port"\n',
    );
    const traced = spawnSync(argv[0]!, argv.slice(1), {
      cwd: root,
      env: { ...env, PORT: 'not-a-port', LOG_LEVEL: 'debug' },
      encoding: 'utf8',
    });
    expect(traced.stderr).toMatch(/at loadConfig \(.*src\/config\.ts:\d+:\d+\)/);
  });

  it('on SIGTERM finishes the request in flight, refuses new connections, and exits 0', async () => {
    const key = admin('demo').json();
    const { child, ready, exited } = startServer();
    const url = new URL(await ready);
    // A request whose body is still arriving when the signal comes.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/v1/music/${key.organization_id}/collections`,
          headers: { 'x-api-key': key.key, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('{"name": "Written while ');
      setTimeout(() => {
        (child as ChildProcess).kill('SIGTERM');
        setTimeout(() => req.end('shutting down"}'), 300);
      }, 200);
    });
    const answered = await inFlight;
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body).name).toBe('Written while shutting down');
    expect(await exited).toBe(0);
    await expect(fetch(`${url.origin}/healthz`)).rejects.toThrow();
  });
});
