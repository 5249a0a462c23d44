import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isInputObjectType } from 'graphql';
import { errorCatalog } from '../../src/domain/errors.js';
import { getSchema } from '../../src/graphql/schema.js';
import { routes } from '../../src/rest/routes.js';
import { createCollectionVia, createTrackVia, createWorld, gql, rest } from '../helpers.js';
import { snapshotAll } from '../support/fixtures.js';

// Hostile and malformed input on every route: never a 5xx, never a stack trace, always either a
// documented success or the documented error envelope with a catalogued code, and a refusal
// changes nothing.

const codes = new Set(Object.keys(errorCatalog));
const odd = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '💥'.repeat(600),
    'a'.repeat(5000),
    '../../etc/passwd',
    "' OR 1=1 --",
    '%00',
    '%E0%A4%A',
  ),
);
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom(
      'name',
      'title',
      'track_id',
      'track_ids',
      'position',
      'range_start',
      'range_length',
      'insert_before',
      'description',
      'cover_track_id',
      'cover_image_url',
      'ordered_track_ids',
      'visibility',
      'expires_in_days',
      'extra',
    ),
    fc.jsonValue(),
  ),
);
const body = fc.oneof(
  jsonish.map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
  odd.map((t) => ({ text: t, type: 'application/json' })),
  odd.map((t) => ({ text: t, type: 'text/plain' })),
);
const queryKeys = fc.constantFrom('limit', 'offset', 'collection_id', 'mode', 'engine', 'x');

/** Requests sent by this file and their statuses, for the figures docs/reliability.md quotes. */
let sent = 0;
const statuses = new Map<string, number>();
const tally = (surface: string, status: number) => {
  const key = `${surface} ${status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
};
afterAll(() =>
  console.log(`inputs fuzz: ${sent} hostile requests; ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`),
);

const snapshot = snapshotAll;

/**
 * GraphQL's vocabulary, which a REST or Groove client must never read: variables (`$input`), type
 * references (`String!`, `[ID!]`), the word itself, and the camelCase names of the schema's
 * arguments and input fields (`durationSeconds`, `organizationId`). `sent` is what the request
 * carried, which an error may echo (a path, an id) and is not held against it.
 */
const graphqlNames = (() => {
  const schema = getSchema();
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInputObjectType(type)) for (const name of Object.keys(type.getFields())) names.add(name);
  }
  for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
    for (const field of Object.values(root.getFields())) for (const arg of field.args) names.add(arg.name);
  }
  return [...names].filter((name) => /[A-Z]/.test(name));
})();
function assertNoGraphQLWords(text: string, sent: readonly string[]) {
  // A JSON body's keys and values are echoed one by one (`$A is not a known field`, an InputId).
  const leaves = (value: unknown): string[] =>
    value !== null && typeof value === 'object'
      ? [...(Array.isArray(value) ? [] : Object.keys(value)), ...Object.values(value).flatMap(leaves)]
      : [String(value)];
  const pieces = sent.flatMap((piece) => {
    try {
      return [piece, ...leaves(JSON.parse(piece))];
    } catch {
      return [piece];
    }
  });
  // Echoed as sent, or escaped inside a JSON string.
  const echoes = pieces.flatMap((piece) => [piece, JSON.stringify(piece).slice(1, -1)]);
  let words = text;
  for (const echoed of echoes.sort((a, b) => b.length - a.length))
    if (echoed.length >= 2) words = words.split(echoed).join('');
  expect(words).not.toMatch(/\$[A-Za-z_]|\b(?:String|Int|Float|Boolean|ID)!|\[\w+!?\]|GraphQL/);
  for (const name of graphqlNames) expect(words, name).not.toMatch(new RegExp(`\\b${name}\\b`));
}

function assertDocumented(status: number, text: string) {
  expect(status, text).toBeLessThan(500);
  expect(text).not.toMatch(/\.ts:\d+|at \/|SqliteError|SQLITE_|drizzle|TypeError|ReferenceError/);
  if (status >= 400) {
    const parsed = JSON.parse(text);
    expect(parsed.success).toBe(false);
    expect(codes.has(parsed.error.code), parsed.error.code).toBe(true);
    expect(parsed.error.status).toBe(status);
  }
}

describe('malformed input on every REST route', () => {
  for (const route of routes) {
    it(`${route.method} ${route.path}`, async () => {
      const w = await createWorld();
      const real = {
        organization_id: w.orgA,
        collection_id: await createCollectionVia(w.app, w.alice.key, w.orgA),
        track_id: await createTrackVia(w.app, w.alice.key, w.orgA),
      } as Record<string, string>;
      const share = await rest(w.app, 'POST', `/v1/music/${w.orgA}/tracks/${real.track_id}/share`, {
        key: w.alice.key,
      });
      real.share_id = share.body.id;
      real.token = share.body.token;
      await fc.assert(
        fc.asyncProperty(odd, fc.boolean(), body, fc.dictionary(queryKeys, odd), async (param, useReal, b, query) => {
          const path = route.path.replace(/:([a-z_]+)/g, (_, name: string) =>
            useReal && real[name] ? real[name] : encodeURIComponent(param) || 'x',
          );
          const search = new URLSearchParams(query).toString();
          const before = await snapshot(w);
          const res = await rest(w.app, route.method, `${path}${search ? `?${search}` : ''}`, {
            key: w.alice.key,
            rawBody: route.method === 'GET' || route.method === 'DELETE' ? undefined : b.text,
            headers: route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': b.type },
          });
          sent++;
          tally('rest', res.status);
          assertDocumented(res.status, res.text);
          if (res.status >= 400)
            assertNoGraphQLWords(res.text, [param, ...Object.keys(query), ...Object.values(query), b.text]);
          if (res.status >= 400) expect(await snapshot(w), res.text).toBe(before);
        }),
        { numRuns: 60 },
      );
    });
  }
});

// Groove's vocabulary (docs/rest.md); codes Groove has no word for keep ours.
const grooveCodes = new Set([
  'INVALID_AUTHORIZATION_HEADER',
  'INVALID_INPUT_PARAMETER',
  'COLLECTION_INVALID_OPERATION',
  'COLLECTION_INVALID_ID',
  'COLLECTION_INVALID_PLAYLIST_INFO',
  'COLLECTION_INVALID_PLAYLIST_REORDER',
  'CONTINUATION_TOKEN_INVALID_ERROR',
  'INCOMPATIBLE_INPUT_PARAMETERS',
  'TOO_MANY_REQUESTS',
  ...codes,
]);
/** A Groove answer: never a 5xx or internals, never GraphQL's words, a refusal in Groove's shape that changed nothing. */
async function assertGroove(res: Awaited<ReturnType<typeof rest>>, sent: string[], unchanged: () => Promise<boolean>) {
  expect(res.status, res.text).toBeLessThan(500);
  expect(res.text).not.toMatch(/\.ts:\d+|at \/|SqliteError|SQLITE_|drizzle|TypeError|ReferenceError|"success"/);
  const parsed = JSON.parse(res.text);
  assertNoGraphQLWords(res.text, sent);
  if (res.status >= 400) {
    expect(Object.keys(parsed)).toEqual(['Error']);
    expect(grooveCodes.has(parsed.Error.ErrorCode), parsed.Error.ErrorCode).toBe(true);
    expect(typeof parsed.Error.Description).toBe('string');
    expect(await unchanged(), res.text).toBe(true);
  } else if (parsed.Error !== undefined) {
    expect(parsed.Error.ErrorCode).toBe('COLLECTION_SOME_OPERATIONS_FAILED');
  }
  return parsed;
}

describe('malformed input on the Groove endpoints', () => {
  // OWN stands for one of the caller's real tracks, so some items succeed and change the library.
  const trackIds = fc.array(
    fc.oneof(odd, fc.constantFrom('OWN', 'music.', 'MUSIC.mtrack_x', 'mtrack_00000000000000000000')),
    { maxLength: 8 },
  );
  // Weighted towards requests that get past the checks, so item results are fuzzed too.
  const grooveBody = fc.oneof(
    {
      arbitrary: trackIds.map((ids) => ({ text: JSON.stringify({ TrackIds: ids }), type: 'application/json' })),
      weight: 4,
    },
    fc
      .dictionary(fc.constantFrom('TrackIds', 'trackIds', 'Id', 'extra'), fc.jsonValue())
      .map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
    body,
  );

  for (const action of ['add', 'delete'] as const) {
    it(`POST /1/content/{namespace}/collection/${action}`, async () => {
      const w = await createWorld();
      const own = await createTrackVia(w.app, w.alice.key, w.orgA);
      const auth = fc.oneof(
        {
          arbitrary: fc.constantFrom<Record<string, string>>(
            { authorization: `Bearer ${w.alice.key}` },
            { 'x-api-key': w.alice.key },
          ),
          weight: 4,
        },
        fc.constantFrom<Record<string, string>>({ authorization: w.alice.key }, { authorization: 'Bearer' }, {}),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ arbitrary: fc.constant('music'), weight: 4 }, odd),
          fc.oneof({ arbitrary: fc.constant('POST'), weight: 6 }, fc.constantFrom('GET', 'PUT', 'DELETE')),
          grooveBody,
          auth,
          fc.option(odd, { nil: undefined, freq: 4 }),
          async (namespace, method, b, headers, organization) => {
            const text = b.text.replaceAll('"OWN"', JSON.stringify(`music.${own}`));
            const before = await snapshot(w);
            const res = await rest(
              w.app,
              method,
              `/1/content/${encodeURIComponent(namespace) || 'x'}/collection/${action}`,
              {
                rawBody: method === 'GET' ? undefined : text,
                headers: {
                  ...headers,
                  ...(method === 'GET' ? {} : { 'content-type': b.type }),
                  // Header values must be ByteStrings; anything else never leaves a real client.
                  ...(organization !== undefined && /^[\x20-\x7e]*$/.test(organization)
                    ? { 'x-organization-id': organization }
                    : {}),
                },
              },
            );
            sent++;
            tally('groove', res.status);
            const parsed = await assertGroove(
              res,
              [namespace, text, organization ?? ''],
              async () => (await snapshot(w)) === before,
            );
            if (res.status < 400) {
              const sentIds = JSON.parse(text).TrackIds as string[];
              expect(parsed.TrackActionResults.map((r: { InputId: string }) => r.InputId)).toEqual(sentIds);
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  }
});

describe('malformed input on the Groove playlist endpoints', () => {
  // Stand-ins replaced by real ids: the caller's playlist, a track in it, one of theirs outside it.
  const id = fc.oneof(
    odd,
    fc.constantFrom('IN', 'OWN', 'music.mtrack_00000000000000000000', 'music.', 'MUSIC.PLAYLIST.x'),
  );
  const trackAction = fc.record(
    {
      Id: fc.oneof({ arbitrary: id, weight: 3 }, fc.jsonValue()),
      Action: fc.oneof(fc.constantFrom('Add', 'Delete', 'Move', 'remove', 'Shuffle'), odd, fc.jsonValue()),
    },
    { requiredKeys: [] },
  );
  const playlistAction = fc.record(
    {
      Id: fc.oneof({ arbitrary: fc.constant('PLAYLIST'), weight: 3 }, odd, fc.jsonValue()),
      Name: fc.oneof(odd, fc.constant(null), fc.jsonValue()),
      IsPublished: fc.oneof(fc.boolean(), fc.jsonValue()),
      CollectionStateToken: fc.oneof(fc.constantFrom('1', '2', '3', '4'), odd, fc.jsonValue()),
      InsertBeforeTrackId: fc.oneof(fc.constantFrom('IN', null), odd),
      TrackActions: fc.oneof({ arbitrary: fc.array(trackAction, { maxLength: 6 }), weight: 4 }, fc.jsonValue()),
    },
    { requiredKeys: [] },
  );
  const grooveBody = fc.oneof(
    { arbitrary: playlistAction.map((v) => ({ text: JSON.stringify(v), type: 'application/json' })), weight: 5 },
    body,
  );

  for (const action of ['create', 'update', 'delete'] as const) {
    it(`POST /1/content/{namespace}/collection/playlists/${action}`, async () => {
      const w = await createWorld();
      const collection = await createCollectionVia(w.app, w.alice.key, w.orgA);
      const inside = await createTrackVia(w.app, w.alice.key, w.orgA);
      await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${collection}/tracks`, {
        key: w.alice.key,
        body: { track_id: inside },
      });
      const own = await createTrackVia(w.app, w.alice.key, w.orgA);
      const stand = {
        '"PLAYLIST"': `music.playlist.${collection}`,
        '"IN"': `music.${inside}`,
        '"OWN"': `music.${own}`,
      };
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ arbitrary: fc.constant('music'), weight: 6 }, odd),
          grooveBody,
          async (namespace, b) => {
            let text = b.text;
            for (const [from, to] of Object.entries(stand)) text = text.replaceAll(from, JSON.stringify(to));
            const before = await snapshot(w);
            const res = await rest(
              w.app,
              'POST',
              `/1/content/${encodeURIComponent(namespace) || 'x'}/collection/playlists/${action}`,
              {
                rawBody: text,
                headers: { authorization: `Bearer ${w.alice.key}`, 'content-type': b.type },
              },
            );
            sent++;
            tally('groove', res.status);
            const parsed = await assertGroove(res, [namespace, text], async () => (await snapshot(w)) === before);
            if (res.status === 200) {
              expect(parsed.PlaylistActionResult.Id, res.text).toMatch(/^music\.playlist\.mcoll_/);
              const actions = JSON.parse(text).TrackActions;
              const results = parsed.PlaylistActionResult.TrackActionResults;
              if (results)
                expect(results.map((r: { InputId: string }) => r.InputId)).toEqual(
                  actions.map((a: { Id: string }) => a.Id),
                );
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  }

  const browsePaths = (collection: string) =>
    fc.oneof(
      { arbitrary: fc.constant('/1/content/music/collection/playlists/browse'), weight: 3 },
      {
        arbitrary: fc.constant(`/1/content/music.playlist.${collection}/collection/playlist/tracks/browse`),
        weight: 3,
      },
      odd.map((x) => `/1/content/${encodeURIComponent(x) || 'x'}/collection/playlist/tracks/browse`),
      odd.map((x) => `/1/content/${encodeURIComponent(x) || 'x'}/collection/playlists/browse`),
    );
  const browseQuery = fc.dictionary(
    fc.constantFrom('maxItems', 'page', 'orderBy', 'continuationToken', 'x'),
    fc.oneof(odd, fc.constantFrom('0', '1', '25', '26', '-1', 'CollectionDate', 'TrackTitle', 'MC4yNQ', 'MjUuMjU')),
  );

  it('GET …/collection/playlists/browse and a playlist’s …/tracks/browse', async () => {
    const w = await createWorld();
    const collection = await createCollectionVia(w.app, w.alice.key, w.orgA);
    await rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${collection}/tracks`, {
      key: w.alice.key,
      body: { track_id: await createTrackVia(w.app, w.alice.key, w.orgA) },
    });
    await fc.assert(
      fc.asyncProperty(browsePaths(collection), browseQuery, async (path, query) => {
        const search = new URLSearchParams(query).toString();
        const before = await snapshot(w);
        const res = await rest(w.app, 'GET', `${path}${search ? `?${search}` : ''}`, {
          headers: { authorization: `Bearer ${w.alice.key}` },
        });
        sent++;
        tally('groove', res.status);
        const parsed = await assertGroove(
          res,
          [path, ...Object.keys(query), ...Object.values(query)],
          async () => (await snapshot(w)) === before,
        );
        if (res.status === 200) {
          const list = parsed.Playlists ?? parsed.Tracks;
          expect(list.Items.length, res.text).toBeLessThanOrEqual(25);
          expect(typeof list.TotalItemCount).toBe('number');
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('bodies over the limit, declared or not', () => {
  // A chunked body declares no Content-Length, so the 1 MiB limit must be counted as it arrives.
  const streamed = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
  };
  const pad = ' '.repeat(1024 * 1024);
  it('are 413 PAYLOAD_TOO_LARGE on GraphQL, REST and Groove, and change nothing', async () => {
    const w = await createWorld();
    const before = await snapshot(w);
    const surfaces = [
      [
        '/graphql',
        JSON.stringify({
          query: `mutation { createCollection(organizationId: "org_a", input: { name: "big" }) { id } }${pad}`,
        }),
      ],
      [`/v1/music/${w.orgA}/collections`, `{"name":"big"}${pad}`],
      ['/1/content/music/collection/add', `{"TrackIds":[]}${pad}`],
    ] as const;
    for (const [path, text] of surfaces) {
      for (const declared of [true, false]) {
        const headers: Record<string, string> = { 'x-api-key': w.alice.key, 'content-type': 'application/json' };
        if (declared) headers['content-length'] = String(Buffer.byteLength(text));
        const request = new Request(`http://gateway.test${path}`, {
          method: 'POST',
          headers,
          body: declared ? text : streamed(text),
          duplex: 'half',
        } as RequestInit);
        const res = await w.app.fetch(request);
        const parsed = await res.json();
        sent++;
        expect(res.status, `${path} declared=${declared}`).toBe(413);
        const code = parsed.errors?.[0]?.extensions.code ?? parsed.error?.code ?? parsed.Error?.ErrorCode;
        expect(code, `${path} declared=${declared}`).toBe('PAYLOAD_TOO_LARGE');
      }
    }
    expect(await snapshot(w)).toBe(before);
  });
});

describe('long id lists', () => {
  it('a reorder takes 10,000 ids; 10,001 is 422 on ordered_track_ids and changes nothing', async () => {
    const w = await createWorld();
    const collection = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const path = `/v1/music/${w.orgA}/collections/${collection}/order`;
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `mtrack_${String(i).padStart(20, '0')}`);
    const ok = await rest(w.app, 'PATCH', path, { key: w.alice.key, body: { ordered_track_ids: ids(10_000) } });
    expect(ok.status, ok.text).toBe(200);
    const before = await snapshot(w);
    const over = await rest(w.app, 'PATCH', path, { key: w.alice.key, body: { ordered_track_ids: ids(10_001) } });
    sent += 2;
    assertDocumented(over.status, over.text);
    expect([over.status, over.body.error.code, over.body.error.details]).toEqual([
      422,
      'VALIDATION_ERROR',
      { field: 'ordered_track_ids' },
    ]);
    expect(await snapshot(w)).toBe(before);
  });
});

describe('malformed GraphQL', () => {
  it('random documents and variables never produce a 5xx or an unmapped error', async () => {
    const w = await createWorld();
    const schema = getSchema();
    const fields = [schema.getQueryType()!, schema.getMutationType()!].flatMap((t) => Object.keys(t.getFields()));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.dictionary(fc.string(), fc.jsonValue()),
        odd,
        async (field, variables, junk) => {
          for (const query of [
            `mutation($a: ID!, $b: ID!) { x: ${field}(organizationId: $a, collectionId: $b, input: { name: ${JSON.stringify(junk)} }) { __typename } }`,
            junk,
            `{ ${field} }`,
          ]) {
            const res = await gql(w.app, query, variables, w.alice.key);
            sent++;
            tally('graphql', res.status);
            expect(res.status).toBeLessThan(500);
            for (const error of res.body.errors ?? [])
              expect(codes.has(error.extensions.code), error.extensions.code).toBe(true);
            expect(res.text).not.toMatch(/\.ts:\d+|at \/|SqliteError|SQLITE_/);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a NUL in an id', () => {
  // PostgreSQL text cannot hold NUL; an id carrying one must find nothing there, as on SQLite.
  it('is not found on every surface, never a 500', async () => {
    const w = await createWorld();
    const id = 'mcoll_\u0000';
    const graphql = [
      'query($id: ID!) { collection(organizationId: "org_a", id: $id) { id } }',
      'query($id: ID!) { track(organizationId: "org_a", id: $id) { id } }',
      'query($id: ID!) { node(id: $id) { id } }',
    ];
    for (const query of graphql) {
      const res = await gql(w.app, query, { id }, w.alice.key);
      expect(res.body.errors?.[0]?.extensions?.code, res.text).toBe('RESOURCE_NOT_FOUND');
    }
    const path = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections/${encodeURIComponent(id)}`, {
      key: w.alice.key,
    });
    expect(path.status, path.text).toBe(404);
    const groove = await rest(w.app, 'POST', '/1/content/music/collection/delete', {
      key: w.alice.key,
      body: { TrackIds: ['music.mtrack_\u0000'] },
    });
    expect(groove.status, groove.text).toBe(200);
    expect(groove.body.TrackActionResults[0].Error.ErrorCode, groove.text).not.toBe('INTERNAL_SERVER_ERROR');
  });
});
