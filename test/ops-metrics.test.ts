import { describe, expect, it } from 'vitest';
import { routes } from '../src/rest/routes.js';
import { addVia, createCollectionVia, createTrackVia, createWorld, gql, rest } from './helpers.js';

/** `name{labels} value` lines of the exposition, as label maps. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '))
    .map((l) => {
      const labels = Object.fromEntries([...l.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { labels, value: Number(l.slice(l.lastIndexOf(' ') + 1)) };
    });
}

describe('GET /metrics', () => {
  it('counts requests and their durations by method, route template and status', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${c}`, { key: w.alice.key });
    await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/mcoll_missing`, { key: w.alice.key });
    await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    const res = await rest(w.app, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const requests = series(res.text, 'music_gateway_http_requests_total');
    const count = (method: string, route: string, status: string) =>
      requests.find((s) => s.labels['method'] === method && s.labels['route'] === route && s.labels['status'] === status)?.value;
    expect(count('POST', '/v1/music/:organization_id/collections', '201')).toBe(1);
    expect(count('GET', '/v1/music/:organization_id/collections/:collection_id', '200')).toBe(1);
    expect(count('GET', '/v1/music/:organization_id/collections/:collection_id', '404')).toBe(1);
    expect(count('POST', '/graphql', '200')).toBe(1);
    const durations = series(res.text, 'music_gateway_http_request_duration_seconds_count');
    expect(durations.find((s) => s.labels['route'] === '/graphql')?.value).toBe(1);
    expect(series(res.text, 'music_gateway_http_request_duration_seconds_bucket').length).toBeGreaterThan(10);
  });

  it('counts responses by error code, from REST and GraphQL alike', async () => {
    const w = await createWorld();
    await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: 'mgk_nope' });
    await gql(w.app, '{ viewer { id } }', {}, 'mgk_nope');
    await rest(w.app, 'GET', `/v1/music/${w.orgB}/collections`, { key: w.alice.key });
    await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, { key: w.alice.key, body: { name: '' } });
    const errors = series((await rest(w.app, 'GET', '/metrics')).text, 'music_gateway_errors_total');
    const byCode = Object.fromEntries(errors.map((s) => [s.labels['code'], s.value]));
    expect(byCode).toEqual({ AUTHENTICATION_REQUIRED: 2, ORGANIZATION_ACCESS_DENIED: 1, VALIDATION_ERROR: 1 });
  });

  it('times database write transactions: the wait for the lock and the time holding it', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    const text = (await rest(w.app, 'GET', '/metrics')).text;
    const held = series(text, 'music_gateway_db_transaction_duration_seconds_count');
    expect(held.find((s) => s.labels['outcome'] === 'commit')?.value).toBeGreaterThanOrEqual(3);
    expect(series(text, 'music_gateway_db_transaction_wait_seconds_count')[0]?.value).toBeGreaterThanOrEqual(3);
    expect(series(text, 'music_gateway_db_transaction_duration_seconds_sum')[0]?.value).toBeGreaterThan(0);
  });

  it('keeps label values to a fixed set: no raw paths, ids or unknown methods', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    for (let i = 0; i < 25; i++) await rest(w.app, 'GET', `/random/${i}/mcoll_${i}`);
    for (let i = 0; i < 5; i++) await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/mcoll_${i}`, { key: w.alice.key });
    await rest(w.app, 'PROPFIND', `/v1/music/${w.orgA}/collections`);
    const text = (await rest(w.app, 'GET', '/metrics')).text;
    for (const secretish of [w.orgA, c, 'mcoll_', 'req_', '/random', w.alice.key]) expect(text).not.toContain(secretish);
    const requests = series(text, 'music_gateway_http_requests_total');
    const allowedRoutes = new Set([...routes.map((r) => r.path), '/graphql', '/metrics', '/healthz', '/readyz', 'unmatched', 'other']);
    for (const s of requests) {
      expect(allowedRoutes.has(s.labels['route']!), s.labels['route']).toBe(true);
      expect(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER']).toContain(s.labels['method']);
    }
    expect(requests.filter((s) => s.labels['route'] === 'unmatched')).toHaveLength(1);
    expect(requests.find((s) => s.labels['method'] === 'OTHER')).toBeDefined();
  });
});
