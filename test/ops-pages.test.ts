import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { createWorld, rest, testDatabase } from './helpers.js';

// GraphiQL and the REST reference are bundled: every file they load comes from this gateway.
// (The browser test, `npm run test:browser`, proves it in Chromium with a request log.)

const page = (app: App, path: string, headers: Record<string, string> = {}) =>
  app.fetch(new Request(`http://gateway.test${path}`, { headers: { accept: 'text/html', ...headers } }));

/** The URLs a page's HTML asks the browser to load. */
const references = (html: string) => [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);

// Places in a script or stylesheet where a URL is loaded rather than merely mentioned (licences,
// error messages and XML namespaces mention plenty of hosts; none of them is fetched).
const LOADS_FROM_ANOTHER_HOST = [
  /\b(?:src|href)\s*=\s*["']https?:\/\//i,
  /url\(\s*["']?https?:\/\//i,
  /@import\s+(?:url\()?["']?https?:\/\//i,
  /\bimport\(\s*["']https?:\/\//,
  /\bimportScripts\(\s*["']https?:\/\//,
  /\bfetch\(\s*["']https?:\/\//,
  /\b(?:unpkg\.com|cdn\.jsdelivr\.net|esm\.sh|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com)\b/,
];

async function checkAssets(app: App, pagePath: string, html: string) {
  const refs = references(html);
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) {
    expect(ref, 'relative, so it stays on this host').not.toMatch(/^([a-z]+:)?\/\//i);
    const url = new URL(ref, `http://gateway.test${pagePath}`);
    const res = await app.fetch(new Request(url));
    expect(res.status, url.pathname).toBe(200);
    if (url.pathname.startsWith('/assets/')) expect(res.headers.get('etag')).toMatch(/^"/);
    const type = res.headers.get('content-type') ?? '';
    if (/javascript|css/.test(type)) {
      const text = await res.text();
      for (const pattern of LOADS_FROM_ANOTHER_HOST) expect(text, `${url.pathname} ${pattern}`).not.toMatch(pattern);
    }
  }
  return refs;
}

describe('GraphiQL at GET /graphql', () => {
  it('is a page with no URL of another host, the key header pre-filled and the example query', async () => {
    const w = await createWorld();
    const res = await page(w.app, '/graphql');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    const options = JSON.parse(
      /<script id="graphiql-options" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!,
    );
    expect(JSON.parse(options.headers)).toEqual({ 'X-API-Key': '' });
    expect(options.defaultQuery).toContain('query Me');
    expect(options.defaultQuery).toContain('viewer');
  });

  it('loads its scripts, styles and editor workers from this gateway, none of which loads from another host', async () => {
    const w = await createWorld();
    const html = await (await page(w.app, '/graphql')).text();
    const refs = await checkAssets(w.app, '/graphql', html);
    expect(refs).toContain('assets/graphiql/graphiql.js');
    // The workers are named by start.js, not by the HTML.
    for (const worker of ['editor', 'json', 'graphql']) {
      const res = await rest(w.app, 'GET', `/assets/graphiql/${worker}.worker.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
  });

  it('serves assets gzipped when asked, and 304 for a known ETag', async () => {
    const w = await createWorld();
    const plain = await rest(w.app, 'GET', '/assets/graphiql/json.worker.js');
    const zipped = await w.app.fetch(
      new Request('http://gateway.test/assets/graphiql/json.worker.js', { headers: { 'accept-encoding': 'gzip, br' } }),
    );
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const body = Buffer.from(await zipped.arrayBuffer());
    expect(body.length).toBeLessThan(plain.text.length / 2);
    expect(gunzipSync(body).toString('utf8')).toBe(plain.text);
    const again = await rest(w.app, 'GET', '/assets/graphiql/json.worker.js', {
      headers: { 'if-none-match': plain.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('refuses other methods on assets and answers unknown asset names as unknown endpoints', async () => {
    const w = await createWorld();
    const post = await rest(w.app, 'POST', '/assets/graphiql/graphiql.js');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await rest(w.app, 'GET', '/assets/graphiql/../../package.json');
    expect(missing.status).toBe(404);
    expect((await rest(w.app, 'GET', '/assets/graphiql/nope.js')).body.error.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('is gone, assets too, when introspection is off', async () => {
    const app = createApp({ database: await testDatabase(), introspection: false });
    const res = await app.fetch(new Request('http://gateway.test/graphql', { headers: { accept: 'text/html' } }));
    expect(await res.text()).not.toContain('graphiql');
    expect((await app.fetch(new Request('http://gateway.test/assets/graphiql/graphiql.js'))).status).toBe(404);
    await app.close();
  });
});

describe('REST reference at GET /v1/docs', () => {
  it('is a page with no URL of another host whose assets all come from this gateway', async () => {
    const w = await createWorld();
    const res = await page(w.app, '/v1/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain('<title>music-gateway REST API</title>');
    expect(html).not.toMatch(/https?:\/\//);
    const refs = await checkAssets(w.app, '/v1/docs', html);
    expect(refs).toContain('../assets/docs/swagger-ui-bundle.js');
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    expect((await rest(w.app, 'GET', '/assets/docs/start.js')).text).toContain('validatorUrl: null');
  });
});
