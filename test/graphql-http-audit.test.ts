import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { createWorld, rest } from './helpers.js';

// graphql-http's audit of a GraphQL-over-HTTP server, run against /graphql in-process: every MUST
// and SHOULD holds. What is left are MAYs the gateway declines on purpose: a GET needs one of the
// CSRF headers (X-API-Key, Authorization, X-GraphQL-CSRF), which the audit does not send.
async function audit(headers: Record<string, string> = {}) {
  const w = await createWorld();
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
    return w.app.fetch(request);
  };
  const results = [];
  for (const { name, fn } of serverAudits({ url: 'http://gateway.test/graphql', fetchFn })) {
    const result = await fn();
    results.push({ name, status: result.status, reason: result.status === 'ok' ? undefined : result.reason });
  }
  return results;
}

describe('graphql-http audit of /graphql', () => {
  it('passes every MUST and SHOULD', async () => {
    const results = await audit();
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.status === 'warn' || r.status === 'error')).toEqual([]);
    expect(results.filter((r) => r.status === 'notice').map((r) => r.name)).toEqual([
      'MAY accept application/x-www-form-urlencoded formatted GET requests',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
    ]);
  });

  it('and the MAYs too for a client that sends a CSRF header', async () => {
    const results = await audit({ 'x-graphql-csrf': '1' });
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
  });

  it('a body that is not JSON is a 400 for application/json clients too, with the documented code', async () => {
    const w = await createWorld();
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const res = await rest(w.app, 'POST', '/graphql', {
        rawBody: '{"query": "{ __typename }"',
        headers: { 'content-type': 'application/json', accept },
      });
      expect(res.status, accept).toBe(400);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST_BODY', status: 400 });
    }
    // A document that does not parse is a well-formed request: 200 for application/json, as the spec asks.
    const syntax = await rest(w.app, 'POST', '/graphql', {
      body: { query: '{' },
      headers: { accept: 'application/json' },
    });
    expect(syntax.status).toBe(200);
    expect(syntax.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});
