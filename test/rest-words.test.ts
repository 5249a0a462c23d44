import { describe, expect, it } from 'vitest';
import { createCollectionVia, createTrackVia, createWorld, gql, onlyError, rest } from './helpers.js';

// REST clients read REST words: a body field that is missing, null or of the wrong JSON type is
// named as they sent it (snake_case), with what it must be, never as a GraphQL variable, type or
// camelCase input path, although every route runs a GraphQL operation underneath.

describe('REST input errors in REST words', () => {
  const cases: [string, string, unknown, string, string][] = [
    ['POST', 'collections', {}, 'name', 'name is required'],
    ['POST', 'collections', { name: null }, 'name', 'name must not be null'],
    ['POST', 'collections', { name: 5 }, 'name', 'name must be a string'],
    ['POST', 'collections', { name: 'x', description: ['a'] }, 'description', 'description must be a string'],
    [
      'POST',
      'tracks',
      { title: 'x', duration_seconds: 'abc' },
      'duration_seconds',
      'duration_seconds must be a number',
    ],
    ['POST', 'tracks', { title: 'x', instrumental: 'yes' }, 'instrumental', 'instrumental must be true or false'],
    ['POST', 'tracks', { title: { text: 'x' } }, 'title', 'title must be a string'],
    [
      'POST',
      'tracks/:track/share',
      { visibility: 'secret' },
      'visibility',
      'visibility must be one of link_only, public',
    ],
    ['POST', 'tracks/:track/share', { expires_in_days: 1.5 }, 'expires_in_days', 'expires_in_days must be an integer'],
    [
      'POST',
      'tracks/:track/share',
      { expires_in_days: 2 ** 31 },
      'expires_in_days',
      'expires_in_days must be an integer',
    ],
    ['PATCH', 'collections/:collection/order', {}, 'ordered_track_ids', 'ordered_track_ids is required'],
    [
      'PATCH',
      'collections/:collection/order',
      { ordered_track_ids: ['a', null] },
      'ordered_track_ids',
      'ordered_track_ids must not contain null',
    ],
    [
      'PATCH',
      'collections/:collection/order',
      { ordered_track_ids: [{}] },
      'ordered_track_ids',
      'every entry of ordered_track_ids must be a string',
    ],
    ['POST', 'collections/:collection/tracks', {}, 'track_id', 'track_id is required'],
    ['POST', 'collections/:collection/tracks', { track_id: true }, 'track_id', 'track_id must be a string'],
    ['PATCH', 'collections/:collection', { cover_image_url: 7 }, 'cover_image_url', 'cover_image_url must be a string'],
  ];

  it.each(cases)('%s …/%s %j is 422 "%s" … "%s"', async (method, template, body, field, words) => {
    const w = await createWorld();
    const collection = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const track = await createTrackVia(w.app, w.alice.key, w.orgA);
    const path = `/v1/music/${w.orgA}/${template.replace(':collection', collection).replace(':track', track)}`;
    const res = await rest(w.app, method, path, { key: w.alice.key, body });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', system_message: words, details: { field } });
  });

  it('a query parameter is named as sent (limit, not first)', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'GET', `/v1/music/${w.orgA}/collections?limit=1000`, { key: w.alice.key });
    expect(res.body.error).toMatchObject({
      system_message: 'limit must be between 1 and 100',
      details: { field: 'limit' },
    });
  });

  it('GraphQL clients keep the coercion message naming their variable, with the same snake_case field', async () => {
    const w = await createWorld();
    const document = 'mutation($o: ID!, $i: CreateTrackInput!) { createTrack(organizationId: $o, input: $i) { id } }';
    const wrong = onlyError(
      await gql(w.app, document, { o: w.orgA, i: { title: 'x', durationSeconds: 'abc' } }, w.alice.key),
    );
    expect(wrong.extensions).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'duration_seconds' } });
    expect(wrong.extensions.system_message).toMatch(/^Variable "\$i" got invalid value "abc" at "i\.durationSeconds"/);
    const missing = onlyError(await gql(w.app, document, { o: w.orgA, i: {} }, w.alice.key));
    expect(missing.extensions).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'title' } });
    expect(missing.extensions.system_message).toContain('"String!"');
  });

  it('an operation name that names no operation is a 400 client error, not an unexpected one', async () => {
    const w = await createWorld();
    const res = await w.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': w.alice.key },
        body: JSON.stringify({ query: 'query A { viewer { id } } query B { viewer { id } }', operationName: 'C' }),
      }),
    );
    const body = await res.json();
    // yoga refuses it while reading the request, before the document is executed.
    expect(body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST_BODY', status: 400 });
  });
});
