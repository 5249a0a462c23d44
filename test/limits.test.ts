import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createWorld, gql, rest, testDatabase } from './helpers.js';

const codes = (res: { body: any }) => (res.body.errors ?? []).map((e: any) => e.extensions.code);

describe('GraphQL operation limits', () => {
  it('the nested page query a frontend needs stays well inside every limit', async () => {
    const w = await createWorld();
    const res = await gql(
      w.app,
      `query($o: ID!) { collections(organizationId: $o, first: 50) { edges { cursor node { id name trackCount version
        coverTrack { id title artworkUrl } tracks(first: 10) { edges { position addedAt node { id title durationSeconds audioUrl } }
        pageInfo { hasNextPage endCursor } } } } pageInfo { hasNextPage endCursor } } }`,
      { o: w.orgA },
      w.alice.key,
    );
    expect(res.body.errors).toBeUndefined();
  });

  it('rejects too deep, too many aliases, too many directives, too many tokens and too costly (400 QUERY_LIMIT_EXCEEDED)', async () => {
    const w = await createWorld();
    const deep = `{ viewer ${'{ a '.repeat(12)}${'}'.repeat(12)} }`;
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`;
    const directives = `{ viewer ${'@skip(if: false) '.repeat(11)}{ id } }`;
    const tokens = `{ ${'viewer { id } '.repeat(600)}}`;
    const page = `collections(organizationId: "org_a", first: 50) { edges { node { id name trackCount
      coverTrack { id title } tracks(first: 10) { edges { position node { id title durationSeconds audioUrl } } } } } }`;
    const costly = `{ ${Array.from({ length: 15 }, (_, i) => `c${i}: ${page}`).join(' ')} }`;
    for (const [name, query] of Object.entries({ deep, aliases, directives, tokens, costly })) {
      const res = await gql(w.app, query, {}, w.alice.key);
      expect(codes(res), name).toContain('QUERY_LIMIT_EXCEEDED');
      const error = res.body.errors.find((e: any) => e.extensions.code === 'QUERY_LIMIT_EXCEEDED');
      expect(error.extensions.status).toBe(400);
      expect(res.body.data).toBeUndefined();
    }
  });

  it('hides field suggestions outside development', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ viewr { id } }', {}, w.alice.key);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.text).not.toMatch(/Did you mean/);
  });

  it('refuses form-like cross-site posts without a JSON type or a custom header (CSRF)', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', '/graphql', {
      rawBody: 'query={__typename}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(403);
    expect(codes(res)).toEqual(['CSRF_HEADER_REQUIRED']);
  });
});

describe('introspection switch', () => {
  it('is on by default, without a key', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ __schema { queryType { name } } }');
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('can be turned off, and GraphiQL with it', async () => {
    const app = createApp({ database: await testDatabase(), introspection: false });
    const res = await app.fetch(
      new Request('http://x/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      }),
    );
    const body = await res.json();
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const page = await app.fetch(new Request('http://x/graphql', { headers: { accept: 'text/html' } }));
    expect(await page.text()).not.toMatch(/graphiql/i);
    await app.close();
  });
});

describe('HTTP limits', () => {
  it('refuses bodies over the limit with 413 before reading them, on REST and GraphQL', async () => {
    const w = await createWorld();
    const big = JSON.stringify({ name: 'x'.repeat(1100 * 1024) });
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, {
      key: w.alice.key,
      rawBody: big,
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const g = await rest(w.app, 'POST', '/graphql', {
      key: w.alice.key,
      rawBody: big,
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
    });
    expect(g.status).toBe(413);
    expect(g.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses deeply nested JSON on the REST shim', async () => {
    const w = await createWorld();
    const nested = `{"name":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
    const res = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, {
      key: w.alice.key,
      rawBody: nested,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST_BODY');
  });
});

describe('rate limit per key', () => {
  it('answers 429 with Retry-After and X-RateLimit headers once a key spends its minute, per key', async () => {
    const clock = { now: Date.parse('2026-06-28T10:30:00Z') };
    const app = createApp({ database: await testDatabase(), rateLimitPerMinute: 3, now: () => clock.now });
    const call = (key: string, path = '/v1/music/org_a/collections') =>
      app.fetch(new Request(`http://x${path}`, { headers: { 'x-api-key': key } }));
    const first = await call('mgk_one');
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    await call('mgk_one');
    await call('mgk_one');
    const limited = await call('mgk_one');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    const body = await limited.json();
    expect(body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    const graphql = await app.fetch(
      new Request('http://x/graphql', {
        method: 'POST',
        headers: { 'x-api-key': 'mgk_one', 'content-type': 'application/json' },
        body: '{"query":"{ viewer { id } }"}',
      }),
    );
    expect(graphql.status).toBe(429);
    expect((await graphql.json()).errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect((await call('mgk_two')).status).toBe(401);
    clock.now += 20_000;
    expect((await call('mgk_one')).status).toBe(401);
    await app.close();
  });

  it('is off unless configured', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('CORS', () => {
  const preflight = (app: ReturnType<typeof createApp>, origin: string) =>
    app.fetch(
      new Request('http://x/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key' },
      }),
    );

  it('answers allow-listed origins, and never reflects others or allows credentials', async () => {
    const app = createApp({ database: await testDatabase(), corsOrigins: ['https://studio.example.com'] });
    const ok = await preflight(app, 'https://studio.example.com');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://studio.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await preflight(app, 'https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await app.fetch(
      new Request('http://x/healthz', { headers: { origin: 'https://studio.example.com' } }),
    );
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://studio.example.com');
    expect(actual.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const other = await app.fetch(new Request('http://x/healthz', { headers: { origin: 'https://evil.example' } }));
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await app.close();
  });

  it('allows no origin by default', async () => {
    const app = createApp({ database: await testDatabase() });
    expect((await preflight(app, 'https://studio.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    await app.close();
  });
});

describe('shutdown', () => {
  it('once stopping, answers new requests 503 SERVICE_UNAVAILABLE with Connection: close', async () => {
    const app = createApp({ database: await testDatabase() });
    app.stopAccepting();
    const res = await app.fetch(new Request('http://x/v1/music/org_a/collections'));
    expect(res.status).toBe(503);
    expect(res.headers.get('connection')).toBe('close');
    expect((await res.json()).error.code).toBe('SERVICE_UNAVAILABLE');
    await app.close();
  });
});
