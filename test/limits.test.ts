import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createWorld, gql, rest } from './helpers.js';

const codes = (res: { body: any }) => (res.body.errors ?? []).map((e: any) => e.extensions.code);

describe('GraphQL operation limits', () => {
  it('the nested page query a frontend needs stays well inside every limit', async () => {
    const w = createWorld();
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
    const w = createWorld();
    const deep = '{ viewer ' + '{ a '.repeat(12) + '}'.repeat(12) + ' }';
    const aliases = '{ ' + Array.from({ length: 16 }, (_, i) => `v${i}: viewer { id }`).join(' ') + ' }';
    const directives = '{ viewer ' + '@skip(if: false) '.repeat(11) + '{ id } }';
    const tokens = '{ ' + 'viewer { id } '.repeat(600) + '}';
    const page = `collections(organizationId: "org_a", first: 50) { edges { node { id name trackCount
      coverTrack { id title } tracks(first: 10) { edges { position node { id title durationSeconds audioUrl } } } } } }`;
    const costly = '{ ' + Array.from({ length: 15 }, (_, i) => `c${i}: ${page}`).join(' ') + ' }';
    for (const [name, query] of Object.entries({ deep, aliases, directives, tokens, costly })) {
      const res = await gql(w.app, query, {}, w.alice.key);
      expect(codes(res), name).toContain('QUERY_LIMIT_EXCEEDED');
      const error = res.body.errors.find((e: any) => e.extensions.code === 'QUERY_LIMIT_EXCEEDED');
      expect(error.extensions.status).toBe(400);
      expect(res.body.data).toBeUndefined();
    }
  });

  it('hides field suggestions outside development', async () => {
    const w = createWorld();
    const res = await gql(w.app, '{ viewr { id } }', {}, w.alice.key);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.text).not.toMatch(/Did you mean/);
  });

  it('refuses form-like cross-site posts without a JSON type or a custom header (CSRF)', async () => {
    const w = createWorld();
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
    const w = createWorld();
    const res = await gql(w.app, '{ __schema { queryType { name } } }');
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('can be turned off, and GraphiQL with it', async () => {
    const app = createApp({ databaseUrl: ':memory:', introspection: false });
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
    app.close();
  });
});
