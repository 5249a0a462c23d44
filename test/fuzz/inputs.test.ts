import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../../src/domain/errors.js';
import { routes } from '../../src/rest/routes.js';
import { createCollectionVia, createTrackVia, createWorld, gql, rest } from '../helpers.js';

// Hostile and malformed input on every route: never a 5xx, never a stack trace, always either a
// documented success or the documented error envelope with a catalogued code.

const codes = new Set(Object.keys(errorCatalog));
const odd = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '💥'.repeat(600), 'a'.repeat(5000), '../../etc/passwd', "' OR 1=1 --", '%00', '%E0%A4%A'),
);
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom('name', 'title', 'track_id', 'description', 'cover_image_url', 'ordered_track_ids', 'visibility', 'expires_in_days', 'extra'), fc.jsonValue()),
);
const body = fc.oneof(
  jsonish.map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
  odd.map((t) => ({ text: t, type: 'application/json' })),
  odd.map((t) => ({ text: t, type: 'text/plain' })),
);

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
      await fc.assert(
        fc.asyncProperty(odd, fc.boolean(), body, fc.dictionary(fc.constantFrom('limit', 'offset', 'x'), odd), async (param, useReal, b, query) => {
          const path = route.path.replace(/:([a-z_]+)/g, (_, name: string) =>
            useReal && real[name] ? real[name] : encodeURIComponent(param) || 'x',
          );
          const search = new URLSearchParams(query).toString();
          const res = await rest(w.app, route.method, `${path}${search ? `?${search}` : ''}`, {
            key: w.alice.key,
            rawBody: route.method === 'GET' || route.method === 'DELETE' ? undefined : b.text,
            headers: route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': b.type },
          });
          assertDocumented(res.status, res.text);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('malformed GraphQL', () => {
  it('random documents and variables never produce a 5xx or an unmapped error', async () => {
    const w = await createWorld();
    const fields = ['createCollection', 'updateCollection', 'reorderCollection', 'createTrack', 'collection', 'tracks', 'node', 'shareTrack'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.dictionary(fc.string(), fc.jsonValue()), odd, async (field, variables, junk) => {
        for (const query of [
          `mutation($a: ID!, $b: ID!) { x: ${field}(organizationId: $a, collectionId: $b, input: { name: ${JSON.stringify(junk)} }) { __typename } }`,
          junk,
          `{ ${field} }`,
        ]) {
          const res = await gql(w.app, query, variables, w.alice.key);
          expect(res.status).toBeLessThan(500);
          for (const error of res.body.errors ?? []) expect(codes.has(error.extensions.code), error.extensions.code).toBe(true);
          expect(res.text).not.toMatch(/\.ts:\d+|at \/|SqliteError|SQLITE_/);
        }
      }),
      { numRuns: 150 },
    );
  });
});
