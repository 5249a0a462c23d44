import { describe, expect, it } from 'vitest';
import { printSchema } from 'graphql';
import {
  BATCH_MAX_IDS,
  COLLECTION_TRACKS_PAGE,
  COLLECTIONS_PAGE,
  DESCRIPTION_MAX,
  ENGINE_PATTERN,
  GROOVE_BROWSE_PAGE,
  LIBRARY_PAGE,
  MAX_DURATION_SECONDS,
  MAX_EXPIRY_DAYS,
  NAME_MAX,
  PLAYLIST_NAME_MAX,
  REORDER_MAX_IDS,
  SHARED_COLLECTION_TRACKS,
  shareVisibilities,
  trackModes,
  URL_MAX,
  type PageLimits,
} from '../src/domain/limits.js';
import { getSchema } from '../src/graphql/schema.js';
import { openApiDocument } from '../src/rest/openapi.js';
import { createCollectionVia, createTrackVia, createWorld, rest } from './helpers.js';

// Every surface states the domain's numbers (src/domain/limits.ts) rather than its own copy: these
// fail when a REST default, an OpenAPI bound, a schema description or a Groove message is written
// as a literal that no longer matches the rule the domain enforces.

const doc = openApiDocument() as any;
const body = (path: string, method: string) =>
  doc.paths[path][method].requestBody.content['application/json'].schema.properties;
const param = (path: string, name: string) =>
  doc.paths[path].get.parameters.find((p: { name: string }) => p.name === name).schema;

describe('limits are defined once, in src/domain/limits.ts', () => {
  it('bound the OpenAPI request schemas', () => {
    const create = body('/v1/music/{organization_id}/collections', 'post');
    expect(create.name.maxLength).toBe(NAME_MAX);
    expect(create.description.maxLength).toBe(DESCRIPTION_MAX);
    expect(create.cover_image_url.maxLength).toBe(URL_MAX);
    const track = body('/v1/music/{organization_id}/tracks', 'post');
    expect(track.title.maxLength).toBe(NAME_MAX);
    expect(track.duration_seconds.maximum).toBe(MAX_DURATION_SECONDS);
    expect(track.mode.enum).toEqual([...trackModes]);
    expect(track.engine.pattern).toBe(ENGINE_PATTERN.source);
    const order = body('/v1/music/{organization_id}/collections/{collection_id}/order', 'patch');
    expect(order.ordered_track_ids.maxItems).toBe(REORDER_MAX_IDS);
    const add = body('/v1/music/{organization_id}/collections/{collection_id}/tracks', 'post');
    expect(add.track_ids.maxItems).toBe(BATCH_MAX_IDS);
    expect(add.track_ids.description).toContain(String(BATCH_MAX_IDS));
    expect(body('/v1/music/{organization_id}/collections/{collection_id}/tracks', 'delete').track_ids.maxItems).toBe(
      BATCH_MAX_IDS,
    );
    expect(doc.components.schemas.CollectionTracksEdit.properties.results.maxItems).toBe(BATCH_MAX_IDS);
    const share = body('/v1/music/{organization_id}/tracks/{track_id}/share', 'post');
    expect(share.visibility.enum).toEqual([...shareVisibilities]);
    expect(share.expires_in_days.description).toContain(String(MAX_EXPIRY_DAYS));
    expect(doc.components.schemas.SharedContent.properties.tracks.oneOf[1].maxItems).toBe(SHARED_COLLECTION_TRACKS);
  });

  const pages: [string, PageLimits][] = [
    ['/v1/music/{organization_id}/collections', COLLECTIONS_PAGE],
    ['/v1/music/{organization_id}/collections/{collection_id}/tracks', COLLECTION_TRACKS_PAGE],
    ['/v1/music/{organization_id}/tracks', LIBRARY_PAGE],
  ];

  it('set the documented REST page sizes', () => {
    for (const [path, limits] of pages) {
      expect(param(path, 'limit'), path).toMatchObject({ default: limits.defaultSize, maximum: limits.maxSize });
    }
  });

  it('are the page sizes REST applies and refuses', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    for (const [template, limits] of pages) {
      const path = template.replace('{organization_id}', w.orgA).replace('{collection_id}', c);
      const byDefault = await rest(w.app, 'GET', path, { key: w.alice.key });
      expect(byDefault.body.limit, path).toBe(limits.defaultSize);
      expect((await rest(w.app, 'GET', `${path}?limit=${limits.maxSize}`, { key: w.alice.key })).status, path).toBe(
        200,
      );
      const over = await rest(w.app, 'GET', `${path}?limit=${limits.maxSize + 1}`, { key: w.alice.key });
      expect([over.status, over.body.error.details.field], path).toEqual([422, 'limit']);
      expect(over.body.error.system_message).toContain(String(limits.maxSize));
    }
  });

  it('appear in the GraphQL schema descriptions', () => {
    const sdl = printSchema(getSchema());
    for (const limits of [COLLECTIONS_PAGE, COLLECTION_TRACKS_PAGE, LIBRARY_PAGE]) {
      expect(sdl).toContain(`Pages of ${limits.defaultSize} by default, \`first\`/\`last\` at most ${limits.maxSize}`);
    }
    expect(sdl).toContain(`At most ${BATCH_MAX_IDS} track ids`);
    expect(sdl).toContain(`at most ${REORDER_MAX_IDS}`);
    expect(sdl).toContain(`1 to ${NAME_MAX} characters`);
    expect(sdl).toContain(`the first ${SHARED_COLLECTION_TRACKS} tracks`);
  });

  it("are the collection batch edits' limit on REST", async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const path = `/v1/music/${w.orgA}/collections/${c}/tracks`;
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `mtrack_${i}`);
    for (const method of ['POST', 'DELETE']) {
      expect(
        (await rest(w.app, method, path, { key: w.alice.key, body: { track_ids: ids(BATCH_MAX_IDS) } })).status,
        method,
      ).toBe(200);
      const over = await rest(w.app, method, path, { key: w.alice.key, body: { track_ids: ids(BATCH_MAX_IDS + 1) } });
      expect([over.status, over.body.error.details.field], method).toEqual([422, 'track_ids']);
      expect(over.body.error.system_message).toContain(String(BATCH_MAX_IDS));
    }
  });

  it('are the Groove playlist limits: the name, the batch, the browse page', async () => {
    const w = await createWorld();
    const create = (body: unknown) =>
      rest(w.app, 'POST', '/1/content/music/collection/playlists/create', { key: w.alice.key, body });
    expect((await create({ Name: 'x'.repeat(PLAYLIST_NAME_MAX) })).status).toBe(200);
    const long = await create({ Name: 'x'.repeat(PLAYLIST_NAME_MAX + 1) });
    expect([long.status, long.body.Error.ErrorCode]).toEqual([400, 'COLLECTION_INVALID_PLAYLIST_INFO']);
    expect(long.body.Error.Message).toContain(String(PLAYLIST_NAME_MAX));
    // A collection's own limit is longer.
    expect(PLAYLIST_NAME_MAX).toBeLessThan(NAME_MAX);
    const track = await createTrackVia(w.app, w.alice.key, w.orgA);
    const actions = (n: number) => Array.from({ length: n }, () => ({ Id: `music.${track}`, Action: 'Add' }));
    expect((await create({ Name: 'full', TrackActions: actions(BATCH_MAX_IDS) })).status).toBe(200);
    const over = await create({ Name: 'over', TrackActions: actions(BATCH_MAX_IDS + 1) });
    expect(over.body.Error).toMatchObject({
      ErrorCode: 'COLLECTION_INVALID_OPERATION',
      Message: `Number of tracks for this operation is limited to ${BATCH_MAX_IDS}`,
    });
    for (let i = 0; i < GROOVE_BROWSE_PAGE.maxSize; i++) await create({ Name: `p${i}` });
    const browse = async (query: string) =>
      (await rest(w.app, 'GET', `/1/content/music/collection/playlists/browse${query}`, { key: w.alice.key })).body
        .Playlists.Items.length;
    expect(await browse('')).toBe(GROOVE_BROWSE_PAGE.defaultSize);
    expect(await browse(`?maxItems=${GROOVE_BROWSE_PAGE.maxSize + 5}`)).toBe(GROOVE_BROWSE_PAGE.maxSize);
  });

  it('word the Groove batch limit', async () => {
    const w = await createWorld();
    const ids = Array.from({ length: BATCH_MAX_IDS + 1 }, (_, i) => `music.mtrack_${i}`);
    const res = await rest(w.app, 'POST', '/1/content/music/collection/add', {
      key: w.alice.key,
      body: { TrackIds: ids },
    });
    expect(res.status).toBe(400);
    expect(res.body.Error).toMatchObject({
      ErrorCode: 'COLLECTION_INVALID_OPERATION',
      Message: `Number of tracks for this operation is limited to ${BATCH_MAX_IDS}`,
    });
  });
});
