import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { captureLogger, createCollectionVia, createWorld, rows, type World } from './helpers.js';
import { overNode } from './support/front-door.js';

// The fast door (src/http/node-door.ts) and the Fetch adapter behind it answer every request
// alike: the same status, headers and body, whichever door a request comes through. (The other
// suites run through the fast door too with TEST_FRONT_DOOR=node.)

const ORIGIN = 'https://studio.example.com';

async function doors(
  w: World,
  options: { rateLimitPerMinute?: number; logger?: ReturnType<typeof captureLogger>['logger'] } = {},
) {
  const make = (fastDoor: boolean) =>
    createApp({ database: w.app.database, now: () => w.clock.now, corsOrigins: [ORIGIN], fastDoor, ...options });
  const fast = await overNode(make(true));
  const adapter = await overNode(make(false));
  return {
    fast: fast.app,
    adapter: adapter.app,
    port: fast.port,
    adapterPort: adapter.port,
    close: () => Promise.all([fast.close(), adapter.close()]),
  };
}

/** What a client sees, with what differs per request (ids, dates) written the same way. */
async function seen(app: App, path: string, init: RequestInit) {
  const response = await app.fetch(new Request(`http://gateway.test${path}`, init));
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!['date', 'x-request-id', 'connection', 'keep-alive'].includes(name)) headers[name] = value;
  });
  const body = (await response.text()).replace(/req_[0-9a-f]{20}/g, 'req_…');
  return { status: response.status, headers, body };
}

describe('the fast door', () => {
  it('answers GraphQL, REST and Groove exactly as the Fetch adapter does, errors included', async () => {
    const w = await createWorld();
    const collection = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const { fast, adapter, close } = await doors(w);
    const key = { 'x-api-key': w.alice.key };
    const json = { 'content-type': 'application/json' };
    const post = (body: string, headers: Record<string, string> = {}) => ({
      method: 'POST',
      headers: { ...json, ...key, ...headers },
      body,
    });
    const cases: [string, RequestInit][] = [
      ['/graphql', post(JSON.stringify({ query: '{ viewer { id email } }' }))],
      [
        '/graphql',
        post(
          JSON.stringify({
            query: `query ($o: ID!) { collections(organizationId: $o, first: 2) { edges { node { id name } } } }`,
            variables: { o: w.orgA },
          }),
        ),
      ],
      ['/graphql', post(JSON.stringify({ query: '{ viewer { id email } }' }), { origin: ORIGIN })],
      ['/graphql', post(JSON.stringify({ query: '{ viewer { id email } }' }), { 'x-api-key': 'mgk_wrong' })],
      ['/graphql', post(JSON.stringify({ query: '{' }))],
      ['/graphql', post(JSON.stringify({ query: '{ nope }' }))],
      ['/graphql', post(JSON.stringify({ query: '{ nope }' }), { accept: 'application/graphql-response+json' })],
      ['/graphql', post('{"query": "{ __typename }"')],
      ['/graphql', post(JSON.stringify({ query: '{ __typename }', extra: 1 }))],
      ['/graphql', post(JSON.stringify([{ query: '{ __typename }' }]))],
      ['/graphql', post(JSON.stringify({ query: 'query ($n: Int!) { __typename }', variables: { n: 'x' } }))],
      [
        '/graphql',
        post(
          JSON.stringify({
            query: 'mutation { createCollection(organizationId: "org_a", input: { name: "" }) { id } }',
          }),
        ),
      ],
      ['/graphql', { method: 'POST', headers: { ...key, 'content-type': 'text/plain' }, body: '{ __typename }' }],
      ['/graphql', { method: 'PUT', headers: { ...key, ...json }, body: '{}' }],
      [`/v1/music/${w.orgA}/collections`, { headers: key }],
      [`/v1/music/${w.orgA}/collections?limit=1&offset=0`, { headers: { ...key, origin: ORIGIN } }],
      [`/v1/music/${w.orgA}/collections?limit=999`, { headers: key }],
      [`/v1/music/${w.orgA}/collections/${collection}`, { headers: key }],
      [`/v1/music/${w.orgA}/collections/${collection}`, {}],
      [`/v1/music/${w.orgA}/collections/${collection}/`, { headers: key }],
      [`/v1/music/${w.orgA}/collections`, post('{"name": 5}')],
      [`/v1/music/${w.orgA}/collections`, post('{"name": "x", "colour": "red"}')],
      [`/v1/music/${w.orgA}/collections`, post('{"name": ')],
      [
        `/v1/music/${w.orgA}/collections`,
        { method: 'POST', headers: { ...key, 'content-type': 'text/plain' }, body: 'name=x' },
      ],
      [`/v1/music/${w.orgA}/collections/${collection}`, { method: 'PUT', headers: key }],
      [`/v1/music/%E0%A4%A/collections`, { headers: key }],
      ['/v1/nothing-here', { headers: key }],
      ['/1/content/music/collection/add', post('{"TrackIds": "no"}')],
      ['/1/content/music/collection/add', post('{"TrackIds": ["music.mtrack_missing"]}')],
      ['/1/content/video/collection/add', post('{"TrackIds": []}')],
      ['/1/content/music/collection/add', { method: 'GET', headers: key }],
    ];
    for (const [path, init] of cases) {
      const label = `${init.method ?? 'GET'} ${path} ${String(init.body ?? '')}`;
      expect(await seen(fast, path, init), label).toEqual(await seen(adapter, path, init));
    }
    await close();
  });

  it('leaves a path with dot segments, which the URL parser resolves to another route, to the adapter', async () => {
    const w = await createWorld();
    const { port, adapterPort, close } = await doors(w);
    for (const path of ['/v1/../graphql', '/v1/%2e%2e/graphql', '/1/..%2Fgraphql', '/v1/%2E%2E/healthz']) {
      const head = `POST ${path} HTTP/1.1\r\nhost: gateway.test\r\nconnection: close\r\nx-api-key: ${w.alice.key}\r\ncontent-type: text/plain\r\ncontent-length: 14\r\n\r\n{ __typename }`;
      const [fast, adapter] = [await raw(port, head), await raw(adapterPort, head)];
      expect(fast, path).toEqual(adapter);
    }
    await close();
  });

  it('answers a request over its key rate with the same 429 and rate headers', async () => {
    const w = await createWorld();
    const { fast, adapter, close } = await doors(w, { rateLimitPerMinute: 2 });
    const init = { headers: { 'x-api-key': w.alice.key } };
    for (let i = 0; i < 3; i++) {
      const [a, b] = [
        await seen(fast, `/v1/music/${w.orgA}/collections`, init),
        await seen(adapter, `/v1/music/${w.orgA}/collections`, init),
      ];
      expect(a).toEqual(b);
      expect(a.status).toBe(i < 2 ? 200 : 429);
    }
    await close();
  });

  it('a client that declares a body and goes away before sending it changes nothing and stalls nothing', async () => {
    const w = await createWorld();
    const { lines, logger } = captureLogger();
    const { fast, port, close } = await doors(w, { logger });
    const before = await rows(w, 'SELECT id FROM collections');
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/music/${w.orgA}/collections HTTP/1.1\r\nhost: gateway.test\r\nx-api-key: ${w.alice.key}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
    });
    const after = await seen(fast, `/v1/music/${w.orgA}/collections`, { headers: { 'x-api-key': w.alice.key } });
    expect(after.status).toBe(200);
    expect(await rows(w, 'SELECT id FROM collections')).toEqual(before);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    await close();
  });
});

/** A request written to the socket as is (a client's URL normalisation would hide the path), and the answer without its date and id. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve(
        Buffer.concat(chunks)
          .toString()
          .replace(/^date: .*\r\n/im, '')
          .replace(/req_[0-9a-f]{20}/g, 'req_…'),
      ),
    );
  });
}
