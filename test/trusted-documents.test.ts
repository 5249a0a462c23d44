import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { root, startServer, type ServerProcess } from '../scripts/crash/process.js';
import { createApp } from '../src/app.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import { ManifestError, readManifest, TrustedDocuments } from '../src/graphql/trusted-documents.js';
import { createCollectionVia, rest, testDatabase, throughFrontDoor } from './helpers.js';

// Trusted documents: with GRAPHQL_TRUSTED_DOCUMENTS the gateway runs only the manifest's
// documents (examples/codegen's, as GraphQL Code Generator writes it), requested by
// GraphQL-over-HTTP documentId or Apollo's persistedQuery hash, on POST and GET; an arbitrary
// document is TRUSTED_DOCUMENT_REQUIRED, an unknown id PERSISTED_QUERY_NOT_FOUND; the REST and
// Groove routes keep working. Without a manifest everything valid runs.

const MANIFEST = new URL('../examples/codegen/src/gql/persisted-documents.json', import.meta.url).pathname;
const manifest = readManifest(MANIFEST);
const idOf = (prefix: string) => [...manifest].find(([, text]) => text.startsWith(prefix))![0];
const ME = idOf('query Me');
const PAGE = idOf('query CollectionsPage');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function file(contents: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'music-gateway-manifest-'));
  dirs.push(dir);
  const path = join(dir, 'persisted-documents.json');
  writeFileSync(path, contents);
  return path;
}

async function world(trustedDocuments?: TrustedDocuments) {
  const database = await testDatabase();
  const app = await throughFrontDoor(createApp({ database, trustedDocuments }));
  const deps = { database, now: Date.now, traceId: 'req_seed', origin: 'http://gateway.test' };
  const org = (await createOrganization(deps, { name: 'Org', id: 'org_t' })).id;
  const user = await createUser(deps, { email: 't@example.com' });
  await addMember(deps, { organizationId: org, userId: user.id, capabilities: ['USE_MUSIC_GENERATION'] });
  const key = (await createApiKey(deps, { userId: user.id })).key;
  const post = (body: unknown) => rest(app, 'POST', '/graphql', { key, body });
  const get = (query: string) =>
    rest(app, 'GET', `/graphql?${query}`, { key, headers: { accept: 'application/json' } });
  return { app, org, key, user, post, get };
}

describe('with a manifest, only trusted documents run', () => {
  const enforced = () => world(new TrustedDocuments(true, readManifest(MANIFEST)));

  it('by documentId (POST and GET) and by Apollo persistedQuery hash, with variables and the cost report', async () => {
    const w = await enforced();
    const byId = await w.post({ documentId: ME });
    expect(byId.status).toBe(200);
    expect(byId.body.data.viewer.id).toBe(w.user.id);
    expect(byId.body.extensions.cost.requestedCost).toBeGreaterThan(0);
    const apollo = await w.post({
      extensions: { persistedQuery: { version: 1, sha256Hash: ME.replace('sha256:', '') } },
    });
    expect(apollo.body.data.viewer.id).toBe(w.user.id);
    await createCollectionVia(w.app, w.key, w.org, 'Listed');
    const page = await w.post({ documentId: PAGE, variables: { organizationId: w.org } });
    expect(page.body.data.collections.edges.map((e: any) => e.node.name)).toEqual(['Listed']);
    const get = await w.get(
      `documentId=${encodeURIComponent(PAGE)}&variables=${encodeURIComponent(JSON.stringify({ organizationId: w.org }))}`,
    );
    expect(get.status).toBe(200);
    expect(get.body.data.collections.edges).toHaveLength(1);
    // The text of a trusted document is that document.
    expect((await w.post({ query: manifest.get(ME) })).body.data.viewer.id).toBe(w.user.id);
  });

  it('refuses any other document with TRUSTED_DOCUMENT_REQUIRED (POST and GET) and an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const w = await enforced();
    for (const res of [
      await w.post({ query: '{ viewer { id } }' }),
      await w.get(`query=${encodeURIComponent('{ viewer { id } }')}`),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'TRUSTED_DOCUMENT_REQUIRED',
        status: 400,
        type: 'client_error',
      });
      expect(res.body.data).toBeUndefined();
    }
    const strict = await rest(w.app, 'POST', '/graphql', {
      key: w.key,
      body: { query: '{ viewer { id } }' },
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(strict.status).toBe(400);
    const unknown = await w.post({ documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.body.errors[0].extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND', status: 400 });
    const unknownApollo = await w.post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknownApollo.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // An unknown id sent with a document (Apollo's retry) is that document: still refused.
    const retry = await w.post({
      query: '{ viewer { id } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } },
    });
    expect(retry.body.errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('the REST and Groove routes keep running: their documents are the gateway’s own trusted documents', async () => {
    const w = await enforced();
    const created = await rest(w.app, 'POST', `/v1/music/${w.org}/collections`, { key: w.key, body: { name: 'Kept' } });
    expect(created.status).toBe(201);
    expect((await rest(w.app, 'GET', `/v1/music/${w.org}/collections`, { key: w.key })).body.items).toHaveLength(1);
    const groove = await rest(w.app, 'POST', '/1/content/music/collection/add', {
      key: w.key,
      body: { TrackIds: ['mtrack_unknown'] },
    });
    expect(groove.status).toBe(200);
    expect(groove.body.TrackActionResults[0].Error.ErrorCode).toBe('COLLECTION_INVALID_ID');
  });
});

describe('without a manifest (the default)', () => {
  it('any valid document runs; an unknown id is PERSISTED_QUERY_NOT_FOUND, and sent with its document (Apollo’s retry) runs that', async () => {
    const w = await world();
    expect((await w.post({ query: '{ viewer { id } }' })).body.data.viewer.id).toBe(w.user.id);
    const unknown = await w.post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const retry = await w.post({
      query: '{ viewer { id } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
    });
    expect(retry.body.data.viewer.id).toBe(w.user.id);
  });
});

describe('a manifest that cannot be used', () => {
  const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

  it('is refused when read, with a message naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['not json', /is not JSON/],
      ['[]', /must be a JSON object/],
      ['{}', /holds no documents/],
      [JSON.stringify({ a: 42 }), /document a is not a GraphQL document string/],
      [JSON.stringify({ [sha('{ a }')]: '{ b }' }), /is not the SHA-256 of its document/],
    ];
    for (const [contents, message] of cases) expect(() => readManifest(file(contents)), contents).toThrow(message);
    expect(() => readManifest(join(tmpdir(), 'no-such-manifest.json'))).toThrow(
      /cannot read .*no-such-manifest\.json \(ENOENT\)/,
    );
  });

  it('is refused when the gateway is built if a document does not run here: not valid, too deep, or over the limits', async () => {
    const database = await testDatabase();
    const deep = `{ viewer ${'{ organizations '.repeat(12)}${'}'.repeat(12)} }`;
    for (const [text, message] of [
      ['{ viewer { nope } }', /does not run here: Cannot query field "nope"/],
      ['{ viewer { id ', /does not run here: Syntax Error/],
      [deep, /does not run here: .*depth/i],
      ['fragment F on Viewer { id }', /does not run here/],
    ] as const) {
      const trusted = new TrustedDocuments(true, new Map([['doc1', text]]));
      expect(() => createApp({ database, trustedDocuments: trusted }), text).toThrow(ManifestError);
      expect(
        () => createApp({ database, trustedDocuments: new TrustedDocuments(true, new Map([['doc1', text]])) }),
        text,
      ).toThrow(message);
    }
  });
});

describe('GRAPHQL_TRUSTED_DOCUMENTS on a real server', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    server = undefined;
  });

  it('a bad manifest stops the start with one error line, no stack trace, and a non-zero exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'music-gateway-start-'));
    dirs.push(dir);
    for (const manifestPath of [file('[1, 2'), file(JSON.stringify({ doc: '{ viewer { nope } }' }))]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: join(dir, 'music.db'),
          PORT: '0',
          GRAPHQL_TRUSTED_DOCUMENTS: manifestPath,
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: GRAPHQL_TRUSTED_DOCUMENTS: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);

  it('a good one is served: its documents run by id, anything else is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'music-gateway-start-'));
    dirs.push(dir);
    server = await startServer(join(dir, 'music.db'), { GRAPHQL_TRUSTED_DOCUMENTS: MANIFEST });
    const post = (body: unknown) =>
      fetch(`${server!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect((await post({ documentId: ME })).errors[0].extensions.code).toBe('AUTHENTICATION_REQUIRED');
    expect((await post({ query: '{ __typename }' })).errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  }, 120_000);
});
