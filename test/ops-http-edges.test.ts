import { describe, expect, it } from 'vitest';
import {
  captureLogger,
  createCollectionVia,
  createTrackVia,
  createWorld,
  rest,
  rows,
  type HttpResult,
} from './helpers.js';

/** HEAD answers as GET does, with the same status and headers, and no body. */
async function expectHeadLikeGet(get: HttpResult, head: HttpResult) {
  expect(head.status).toBe(get.status);
  expect(head.text).toBe('');
  expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
  expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(get.text));
  expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
}

describe('HEAD on every GET route', () => {
  it('REST routes: the GET answer without its body, errors included', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    for (const path of [
      `/v1/music/${w.orgA}/collections`,
      `/v1/music/${w.orgA}/collections/${c}`,
      `/v1/music/${w.orgA}/collections/mcoll_missing`,
    ]) {
      const get = await rest(w.app, 'GET', path, { key: w.alice.key });
      const head = await rest(w.app, 'HEAD', path, { key: w.alice.key });
      await expectHeadLikeGet(get, head);
    }
    expect(
      (await rest(w.app, 'HEAD', `/v1/music/${w.orgA}/collections/mcoll_missing`, { key: w.alice.key })).status,
    ).toBe(404);
  });

  it('REST routes without GET: 405, and Allow lists HEAD wherever it lists GET', async () => {
    const w = await createWorld();
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const postOnly = await rest(w.app, 'HEAD', `/v1/music/${w.orgA}/tracks/${t}/share`, { key: w.alice.key });
    expect(postOnly.status).toBe(405);
    expect(postOnly.headers.get('allow')).toBe('POST');
    const put = await rest(w.app, 'PUT', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.alice.key });
    expect(put.headers.get('allow')).toBe('GET, HEAD, DELETE');
  });

  it('side routes and the index', async () => {
    const w = await createWorld();
    for (const path of ['/', '/healthz', '/readyz', '/v1/openapi.json', '/v1/docs', '/assets/docs/swagger-ui.css']) {
      const get = await rest(w.app, 'GET', path);
      const head = await rest(w.app, 'HEAD', path);
      expect(get.status, path).toBe(200);
      await expectHeadLikeGet(get, head);
    }
    // The metrics change with every request, the HEAD itself included: same status and type.
    const metrics = await rest(w.app, 'HEAD', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toBe('');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('GET /graphql: a query in the URL, and GraphiQL', async () => {
    const w = await createWorld();
    const path = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const csrf = { headers: { 'x-graphql-csrf': '1' } };
    const get = await rest(w.app, 'GET', path, csrf);
    expect(get.body).toMatchObject({ data: { __typename: 'Query' }, extensions: { cost: { requestedCost: 1 } } });
    await expectHeadLikeGet(get, await rest(w.app, 'HEAD', path, csrf));
    const put = await rest(w.app, 'PUT', '/graphql', csrf);
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const page = { headers: { accept: 'text/html' } };
    const graphiql = await rest(w.app, 'GET', '/graphql', page);
    expect(graphiql.text).toContain('<html');
    await expectHeadLikeGet(graphiql, await rest(w.app, 'HEAD', '/graphql', page));
  });

  it('is counted and logged as HEAD', async () => {
    const { logger, lines } = captureLogger('debug');
    const w = await createWorld({ logger });
    await rest(w.app, 'HEAD', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({
      method: 'HEAD',
      route: '/v1/music/:organization_id/collections',
      status: 200,
    });
    expect((await rest(w.app, 'GET', '/metrics')).text).toMatch(
      /music_gateway_http_requests_total\{method="HEAD",route="\/v1\/music\/:organization_id\/collections",status="200"\} 1/,
    );
  });
});

describe('GET /', () => {
  it('answers JSON linking the API, its reference and the probes', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/accept/i);
    expect(res.body).toEqual({
      name: 'music-gateway',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      links: {
        graphql: '/graphql',
        rest_reference: '/v1/docs',
        openapi: '/v1/openapi.json',
        liveness: '/healthz',
        readiness: '/readyz',
        metrics: '/metrics',
      },
    });
    for (const path of Object.values(res.body.links) as string[]) {
      expect((await rest(w.app, 'GET', path, { headers: { accept: 'text/html' } })).status, path).toBe(200);
    }
  });

  it('answers a browser with a page of relative links', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', '/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    for (const href of ['graphql', 'v1/docs', 'v1/openapi.json', 'healthz', 'readyz'])
      expect(res.text).toContain(`href="${href}"`);
  });

  it('takes GET and HEAD only', async () => {
    const w = await createWorld();
    const post = await rest(w.app, 'POST', '/', { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('a trailing slash', () => {
  it('is a 404 with the envelope on every surface: no route ends in "/"', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const paths: [string, string][] = [
      ['GET', `/v1/music/${w.orgA}/collections/`],
      ['GET', `/v1/music/${w.orgA}/collections/${c}/`],
      // DELETE …/tracks/$TRACK_ID with the variable unset: not the 405 of …/tracks, and not a delete.
      ['DELETE', `/v1/music/${w.orgA}/collections/${c}/tracks/`],
      ['POST', `/v1/music/${w.orgA}/collections/`],
      ['GET', '/healthz/'],
      ['GET', '/graphql/'],
    ];
    for (const [method, path] of paths) {
      const res = await rest(w.app, method, path, {
        key: w.alice.key,
        body: method === 'POST' ? { name: 'x' } : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({
        success: false,
        error: {
          code: 'ENDPOINT_NOT_FOUND',
          details: { path },
          system_message: expect.stringContaining('paths do not end in "/"'),
        },
      });
    }
    expect(await rows(w, 'SELECT count(*) AS n FROM collections')).toEqual([{ n: 1 }]);
    expect((await rest(w.app, 'GET', `/v1/music/${w.orgA}/tracks/${t}`, { key: w.alice.key })).status).toBe(200);
    // Groove answers in its own error shape.
    const groove = await rest(w.app, 'POST', '/1/content/music/collection/playlists/', { key: w.alice.key, body: {} });
    expect(groove.status).toBe(404);
    expect(groove.body.Error.ErrorCode).toBe('ENDPOINT_NOT_FOUND');
  });
});

describe('X-Request-Id and traceparent', () => {
  it('a well-formed inbound X-Request-Id is the request id everywhere: header, error body, log line, audit row', async () => {
    const { logger, lines } = captureLogger('info');
    const w = await createWorld({ logger });
    const id = 'edge-7f3a9c2e-4b1d-4e8f-9a6b-2c5d8e1f0a3b';
    const created = await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections`, {
      key: w.alice.key,
      body: { name: 'Traced' },
      headers: { 'x-request-id': id },
    });
    expect(created.headers.get('x-request-id')).toBe(id);
    expect(await rows(w, 'SELECT trace_id FROM audit_log WHERE action = ?', 'collection.create')).toEqual([
      { trace_id: id },
    ]);
    const missing = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/mcoll_x`, {
      key: w.alice.key,
      headers: { 'x-request-id': 'a' },
    });
    expect(missing.body.error.trace_id).toBe('a');
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.trace_id)).toEqual([id, 'a']);
  });

  it('anything else is replaced by a new req_ id', async () => {
    const w = await createWorld();
    for (const bad of ['x'.repeat(129), 'two words', 'semi;colon', 'ünïcode', '<script>', '"quoted"']) {
      const res = await rest(w.app, 'GET', '/healthz', { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id'), bad).toMatch(/^req_[0-9a-f]{20}$/);
    }
    expect(
      (await rest(w.app, 'GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(128) } })).headers.get(
        'x-request-id',
      ),
    ).toBe('x'.repeat(128));
  });

  it('the trace id of a valid traceparent is in the log line (tracing off)', async () => {
    const { logger, lines } = captureLogger('debug');
    const w = await createWorld({ logger });
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const cases: [string, string | undefined][] = [
      [`00-${trace}-00f067aa0ba902b7-01`, trace],
      [`01-${trace}-00f067aa0ba902b7-00-future`, trace],
      [`00-${trace.toUpperCase()}-00f067aa0ba902b7-01`, undefined],
      [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, undefined],
      [`ff-${trace}-00f067aa0ba902b7-01`, undefined],
      [`00-${trace}-00f067aa0ba902b7-01-extra`, undefined],
      ['garbage', undefined],
    ];
    for (const [traceparent] of cases) await rest(w.app, 'GET', '/healthz', { headers: { traceparent } });
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.w3c_trace_id)).toEqual(
      cases.map(([, expected]) => expected),
    );
  });
});
