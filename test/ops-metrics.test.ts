import { describe, expect, it } from 'vitest';
import { createMetrics, MAX_OPERATION_NAMES } from '../src/ops/metrics.js';
import { routes } from '../src/rest/routes.js';
import { addVia, captureLogger, createCollectionVia, createTrackVia, createWorld, gql, rest } from './helpers.js';

/** `name{labels} value` lines of the exposition, as label maps. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
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
      requests.find((s) => s.labels.method === method && s.labels.route === route && s.labels.status === status)?.value;
    expect(count('POST', '/v1/music/:organization_id/collections', '201')).toBe(1);
    expect(count('GET', '/v1/music/:organization_id/collections/:collection_id', '200')).toBe(1);
    expect(count('GET', '/v1/music/:organization_id/collections/:collection_id', '404')).toBe(1);
    expect(count('POST', '/graphql', '200')).toBe(1);
    const durations = series(res.text, 'music_gateway_http_request_duration_seconds_count');
    expect(durations.find((s) => s.labels.route === '/graphql')?.value).toBe(1);
    expect(series(res.text, 'music_gateway_http_request_duration_seconds_bucket').length).toBeGreaterThan(10);
  });

  it('counts responses by error code, from REST and GraphQL alike', async () => {
    const w = await createWorld();
    await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: 'mgk_nope' });
    await gql(w.app, '{ viewer { id } }', {}, 'mgk_nope');
    await rest(w.app, 'GET', `/v1/music/${w.orgB}/collections`, { key: w.alice.key });
    await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, { key: w.alice.key, body: { name: '' } });
    const errors = series((await rest(w.app, 'GET', '/metrics')).text, 'music_gateway_errors_total');
    const byCode = Object.fromEntries(errors.map((s) => [s.labels.code, s.value]));
    expect(byCode).toEqual({ AUTHENTICATION_REQUIRED: 2, ORGANIZATION_ACCESS_DENIED: 1, VALIDATION_ERROR: 1 });
  });

  it('times database write transactions: the wait for the lock and the time holding it', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await addVia(w.app, w.alice.key, w.orgA, c, t);
    const text = (await rest(w.app, 'GET', '/metrics')).text;
    const held = series(text, 'music_gateway_db_transaction_duration_seconds_count');
    expect(held.find((s) => s.labels.outcome === 'commit')?.value).toBeGreaterThanOrEqual(3);
    expect(series(text, 'music_gateway_db_transaction_wait_seconds_count')[0]?.value).toBeGreaterThanOrEqual(3);
    expect(series(text, 'music_gateway_db_transaction_duration_seconds_sum')[0]?.value).toBeGreaterThan(0);
  });

  it('keeps label values to a fixed set: no raw paths, ids or unknown methods', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    for (let i = 0; i < 25; i++) await rest(w.app, 'GET', `/random/${i}/mcoll_${i}`);
    for (let i = 0; i < 5; i++)
      await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/mcoll_${i}`, { key: w.alice.key });
    await rest(w.app, 'PROPFIND', `/v1/music/${w.orgA}/collections`);
    const text = (await rest(w.app, 'GET', '/metrics')).text;
    for (const secretish of [w.orgA, c, 'mcoll_', 'req_', '/random', w.alice.key])
      expect(text).not.toContain(secretish);
    const requests = series(text, 'music_gateway_http_requests_total');
    const allowedRoutes = new Set([
      ...routes.map((r) => r.path),
      '/graphql',
      '/metrics',
      '/healthz',
      '/readyz',
      'unmatched',
      'other',
    ]);
    for (const s of requests) {
      expect(allowedRoutes.has(s.labels.route!), s.labels.route).toBe(true);
      expect(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER']).toContain(s.labels.method);
    }
    expect(requests.filter((s) => s.labels.route === 'unmatched')).toHaveLength(1);
    expect(requests.find((s) => s.labels.method === 'OTHER')).toBeDefined();
  });
});

describe('per-operation metrics for /graphql', () => {
  const operations = (text: string) =>
    Object.fromEntries(
      series(text, 'music_gateway_graphql_operations_total').map((s) => [
        `${s.labels.operation_type} ${s.labels.operation_name} ${s.labels.outcome}`,
        s.value,
      ]),
    );

  it('counts operations by name, type and outcome; anonymous ones under one label', async () => {
    const w = await createWorld();
    await gql(w.app, 'query Me { viewer { id } }', {}, w.alice.key);
    await gql(w.app, 'query Me { viewer { id } }', {}, w.alice.key);
    await gql(w.app, 'query Me { viewer { id } }', {}, 'mgk_nope');
    await gql(
      w.app,
      'mutation Make($o: ID!) { createCollection(organizationId: $o, input: { name: "M" }) { id } }',
      { o: w.orgA },
      w.alice.key,
    );
    await gql(w.app, '{ __typename }');
    await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    // Refused before running: a named document that does not validate, and one that does not parse.
    await gql(w.app, 'query Me { nope }', {}, w.alice.key);
    await gql(w.app, 'query Broken { nope }', {}, w.alice.key);
    await gql(w.app, 'query {', {}, w.alice.key);
    const text = (await rest(w.app, 'GET', '/metrics')).text;
    expect(operations(text)).toEqual({
      'query Me success': 2,
      'query Me error': 1,
      'mutation Make success': 1,
      'query (anonymous) success': 2,
      'query Me rejected': 1,
      // A name that never ran claims no label of its own.
      'query (other) rejected': 1,
      '(unknown) (unknown) rejected': 1,
    });
    const durations = series(text, 'music_gateway_graphql_operation_duration_seconds_count');
    expect(
      Object.fromEntries(durations.map((s) => [`${s.labels.operation_type} ${s.labels.operation_name}`, s.value])),
    ).toEqual({
      'query Me': 3,
      'mutation Make': 1,
      'query (anonymous)': 2,
    });
  });

  it('keeps the names to a bound: a client sending ever new names adds one series, not one per name', async () => {
    const w = await createWorld();
    for (let i = 0; i < MAX_OPERATION_NAMES + 50; i++) await gql(w.app, `query Op${i} { __typename }`);
    await gql(w.app, `query ${'L'.repeat(101)} { __typename }`);
    const counted = series((await rest(w.app, 'GET', '/metrics')).text, 'music_gateway_graphql_operations_total');
    const names = new Set(counted.map((s) => s.labels.operation_name));
    expect(names.size).toBe(MAX_OPERATION_NAMES + 1);
    expect(names.has('Op0')).toBe(true);
    expect(names.has(`Op${MAX_OPERATION_NAMES}`)).toBe(false);
    expect(counted.find((s) => s.labels.operation_name === '(other)')?.value).toBe(51);
  });

  it('REST and Groove requests are not GraphQL operations here: their route is their series', async () => {
    const w = await createWorld();
    await createCollectionVia(w.app, w.alice.key, w.orgA);
    expect(series((await rest(w.app, 'GET', '/metrics')).text, 'music_gateway_graphql_operations_total')).toEqual([]);
  });

  it('the log line names the operation', async () => {
    const { logger, lines } = captureLogger('info');
    const w = await createWorld({ logger });
    await gql(w.app, 'query Me { viewer { id } }', {}, w.alice.key);
    await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    const [named, anonymous] = lines.filter((l) => l.msg === 'request');
    expect(named).toMatchObject({ route: '/graphql', operation_name: 'Me' });
    expect(anonymous!.operation_name).toBeUndefined();
  });
});

describe("Node's process metrics", () => {
  it('are exported under their standard names, for stock dashboards', async () => {
    const metrics = createMetrics({ processMetrics: true });
    const text = await metrics.registry.metrics();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_version_info',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).not.toContain('music_gateway_process_');
    expect(text).not.toContain('music_gateway_nodejs_');
  });
});
