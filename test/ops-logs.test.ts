import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { prettyLine } from '../src/ops/logger.js';
import { captureLogger, createCollectionVia, createWorld, gql, rest } from './helpers.js';

const requestLines = (lines: Record<string, any>[]) => lines.filter((l) => l.msg === 'request');

describe('one JSON line per request', () => {
  it('names method, route template, status, duration, trace id, key id and organization, never the secret', async () => {
    const { logger, lines } = captureLogger('info');
    const w = await createWorld({ logger });
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const read = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    const [create, get] = requestLines(lines);
    expect(create).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/v1/music/:organization_id/collections',
      status: 201,
      key_id: w.alice.keyId,
      organization_id: w.orgA,
    });
    expect(get).toMatchObject({ route: '/v1/music/:organization_id/collections/:collection_id', status: 200 });
    expect(get!.trace_id).toBe(read.headers.get('x-request-id'));
    expect(typeof get!.duration_ms).toBe('number');
    expect(get!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const all = JSON.stringify(lines);
    expect(all).not.toContain(w.alice.key);
    expect(all).not.toContain(c); // ids stay out of the route; the template names the endpoint
    expect(requestLines(lines)).toHaveLength(2);
  });

  it('for GraphQL: route /graphql and the organization of the operation, from a variable or a literal', async () => {
    const { logger, lines } = captureLogger('info');
    const w = await createWorld({ logger });
    await gql(
      w.app,
      'query($o: ID!) { collections(organizationId: $o) { edges { cursor } } }',
      { o: w.orgA },
      w.bob.key,
    );
    await gql(w.app, `{ tracks(organizationId: "${w.orgA}") { edges { cursor } } }`, {}, w.bob.key);
    await gql(w.app, '{ viewer { id } }', {}, w.bob.key);
    const [byVariable, byLiteral, viewer] = requestLines(lines);
    expect(byVariable).toMatchObject({
      method: 'POST',
      route: '/graphql',
      status: 200,
      key_id: w.bob.keyId,
      organization_id: w.orgA,
    });
    expect(byLiteral).toMatchObject({ organization_id: w.orgA });
    expect(viewer).toMatchObject({ key_id: w.bob.keyId });
    expect(viewer!.organization_id).toBeUndefined();
  });

  it('for refusals: the error code, no key id for an unknown key, a bounded route for unknown paths', async () => {
    const { logger, lines } = captureLogger('info');
    const w = await createWorld({ logger });
    await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: 'mgk_not_a_key' });
    await rest(w.app, 'GET', '/no/such/path/mcoll_123');
    await rest(w.app, 'GET', `/v1/music/${w.orgB}/collections`, { key: w.alice.key });
    const [unknownKey, unknownPath, otherOrg] = requestLines(lines);
    expect(unknownKey).toMatchObject({ status: 401, error_code: 'AUTHENTICATION_REQUIRED' });
    expect(unknownKey!.key_id).toBeUndefined();
    expect(unknownPath).toMatchObject({ status: 404, route: 'unmatched', error_code: 'ENDPOINT_NOT_FOUND' });
    expect(otherOrg).toMatchObject({
      status: 403,
      key_id: w.alice.keyId,
      organization_id: w.orgB,
      error_code: 'ORGANIZATION_ACCESS_DENIED',
    });
    expect(JSON.stringify(lines)).not.toContain('mgk_not_a_key');
  });

  it('logs probes and page assets at debug, so info shows traffic', async () => {
    const { logger, lines } = captureLogger('debug');
    const w = await createWorld({ logger });
    await rest(w.app, 'GET', '/healthz');
    await rest(w.app, 'GET', '/metrics');
    expect(requestLines(lines).map((l) => [l.route, l.level])).toEqual([
      ['/healthz', 20],
      ['/metrics', 20],
    ]);
  });
});

describe('LOG_LEVEL and the terminal format', () => {
  it('defaults to info, accepts pino levels, and refuses anything else', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(loadConfig({ LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });

  it('prints a request as one short line in a terminal', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2026-06-28T10:30:00.123Z',
      pid: 1,
      hostname: 'h',
      method: 'POST',
      route: '/graphql',
      status: 200,
      duration_ms: 3.2,
      trace_id: 'req_1',
      key_id: 'key_1',
      msg: 'request',
    });
    expect(prettyLine(line, false)).toBe('10:30:00.123 INFO  POST /graphql 200 3.2 ms req_1 key_1');
    expect(prettyLine(line, true)).toContain('\x1b[32mINFO \x1b[0m');
  });
});

describe('npm start', () => {
  it('writes JSON request lines to stdout when it is not a terminal, and none with LOG_LEVEL=silent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'music-gateway-logs-'));
    const run = async (level: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { ...process.env, DATABASE_URL: join(dir, 'music.db'), PORT: '0', LOG_LEVEL: level },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /ready at (http:\/\/\S+)\/graphql/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ viewer { id } }"}',
      });
      await res.text();
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      return { out, traceId: res.headers.get('x-request-id') };
    };
    try {
      const info = await run('info');
      const lines = info.out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      expect(lines).toContainEqual(
        expect.objectContaining({
          route: '/graphql',
          status: 200,
          error_code: 'AUTHENTICATION_REQUIRED',
          trace_id: info.traceId,
          msg: 'request',
        }),
      );
      const silent = await run('silent');
      expect(silent.out.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
