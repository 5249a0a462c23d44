import { invalidField, type ErrorCode } from '../domain/errors.js';
import {
  BATCH_MAX_IDS,
  COLLECTION_TRACKS_PAGE,
  COLLECTIONS_PAGE,
  LIBRARY_PAGE,
  type PageLimits,
} from '../domain/limits.js';
import {
  collectionView,
  itemErrorView,
  selection,
  sharedTrackView,
  shareLinkView,
  trackResultView,
  trackView,
} from './views.js';

/** What a REST request offers to a route's variable mapping. */
export interface RestInput {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: Headers;
}

/** What the OpenAPI document says about a route beyond what the row itself shows (see openapi.ts). */
export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  /** The success body: a schema name in openapi-schemas.ts. */
  response: string;
  /** Body fields that must be sent. */
  required?: readonly string[];
  /** A body of one of several forms: the fields each form must send (exactly one form applies). */
  forms?: readonly (readonly string[])[];
  /** `limit`/`offset` paging: the default and the largest page. */
  page?: PageLimits;
  /** Other query parameters, described in openapi-schemas.ts. */
  query?: readonly string[];
  /** Reads `If-Match` (and so may answer 409). */
  ifMatch?: boolean;
  /** Needs no API key. */
  public?: boolean;
  /** Errors beyond those any route of its shape can answer (see openapi.ts). */
  errors?: readonly ErrorCode[];
  /** Defaults to one derived from the path. */
  tag?: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** `:name` segments are path parameters. */
  path: string;
  /**
   * The GraphQL operation the route runs; the selection is the response body, in snake_case via
   * aliases. A route whose body has several forms (`doc.forms`) picks the operation of the form sent.
   */
  document: string | ((input: RestInput) => string);
  /** The JSON body fields the route accepts; absent for routes without a body. */
  bodyFields?: readonly string[];
  variables: (input: RestInput) => Record<string, unknown>;
  /** Shapes `data` of the operation into the documented body. */
  // biome-ignore lint/suspicious/noExplicitAny: `data` has the shape of this route's `document` selection.
  body: (data: any, input: RestInput) => unknown;
  status: 200 | 201;
  /** The collection version of `data`, sent as the ETag (none when undefined). */
  // biome-ignore lint/suspicious/noExplicitAny: as `body`.
  etag?: (data: any) => number | undefined;
  /** GraphQL argument names as the REST client knows them, for `details.field`. */
  fieldAliases?: Record<string, string>;
  /** For the OpenAPI document. */
  doc?: RouteDoc;
}

/** An integer query parameter with a default; a malformed one is a validation error. */
function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d{1,9}$/.test(raw)) throw invalidField(name, `${name} must be an integer`);
  return Number(raw);
}

const page = (query: URLSearchParams, limits: PageLimits) => ({
  first: intParam(query, 'limit', limits.defaultSize),
  offset: intParam(query, 'offset', 0),
});

/** `If-Match: "7"` (or `W/"7"`, or `*` for any) → the expected collection version. */
function ifVersion(headers: Headers): number | undefined {
  const raw = headers.get('if-match')?.trim();
  if (raw === undefined || raw === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(raw);
  if (!match) throw invalidField('If-Match', 'If-Match must be an ETag from a collection read, e.g. "3"');
  return Number(match[1]);
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelKeys = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).map(([k, v]) => [camel(k), v]));

// `_version` feeds the ETag and is not part of the documented body.
const COLLECTION_FIELDS = `${selection(collectionView)} _version: version`;

const collectionBody = ({ _version, ...collection }: Record<string, unknown>) => collection;

const TRACK_FIELDS = selection(trackView);

const ACK_FIELDS = 'success id detail';

const SHARE_FIELDS = selection(shareLinkView);

const SHARED_TRACK_FIELDS = selection(sharedTrackView);

const shareOptions = (i: RestInput) => ({ visibility: i.body.visibility, expiresInDays: i.body.expires_in_days });

/** A track as the REST API shows it; playback and stem URLs are only minted on single-track reads. */
const trackBody = (track: Record<string, unknown>, single: boolean) => ({
  ...track,
  playback_url: single ? (track.audio_url ?? null) : null,
  stem_urls: null,
});

const org = (i: RestInput) => i.params.organization_id;

/**
 * Whether a body of two forms is the batch one (`track_ids`) rather than the single `one`; both
 * at once, or a batch's `position` beside a single id, is refused.
 */
function batchForm(i: RestInput, one: string): boolean {
  const batch = 'track_ids' in i.body;
  if (batch && one in i.body) throw invalidField(one, `send either ${one} or track_ids, not both`);
  if (!batch && 'position' in i.body) throw invalidField('position', 'position goes with track_ids');
  return batch;
}

const ADD_TRACK = `mutation ($organizationId: ID!, $collectionId: ID!, $trackId: ID!, $ifVersion: Int) {
  addTrackToCollection(organizationId: $organizationId, collectionId: $collectionId, trackId: $trackId,
    ifVersion: $ifVersion) { ${ACK_FIELDS} } }`;

// A batch edit's answer: the collection after it, and one result per id sent.
const EDIT_FIELDS = `collection { ${COLLECTION_FIELDS} } results { ${selection(trackResultView)} error { ${selection(itemErrorView)} } }`;

const ADD_TRACKS = `mutation ($organizationId: ID!, $collectionId: ID!, $trackIds: [ID!]!, $position: Int, $ifVersion: Int) {
  addTracksToCollection(organizationId: $organizationId, collectionId: $collectionId, trackIds: $trackIds, position: $position,
    ifVersion: $ifVersion) { ${EDIT_FIELDS} } }`;

const editBody = ({ collection, results }: { collection: Record<string, unknown>; results: unknown[] }) => ({
  collection: collectionBody(collection),
  results,
});

export const routes: readonly Route[] = [
  // Shared-link routes come first: a token must never be read as an organization id.
  {
    method: 'GET',
    path: '/v1/music/shared/:token',
    doc: {
      operationId: 'getSharedContent',
      summary: 'Read shared content (no key needed)',
      response: 'SharedContent',
      public: true,
    },
    document: `query ($token: String!) {
      sharedContent(token: $token) {
        kind available message
        share { target_type: targetType visibility expires_at: expiresAt }
        track { ${SHARED_TRACK_FIELDS} }
        collection { id name description }
        tracks { ${SHARED_TRACK_FIELDS} } } }`,
    variables: (i) => ({ token: i.params.token }),
    body: (data) => data.sharedContent,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/music/shared/:token/save',
    doc: {
      operationId: 'saveSharedTrack',
      summary: 'Save a shared track into your library',
      response: 'SharedSave',
      errors: ['ORGANIZATION_ACCESS_DENIED', 'VALIDATION_ERROR'],
    },
    document: `mutation ($token: String!) {
      saveSharedTrack(token: $token) {
        id track_id: trackId source share_link_id: shareLinkId created_at: createdAt } }`,
    variables: (i) => ({ token: i.params.token }),
    body: (data) => data.saveSharedTrack,
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/collections',
    doc: {
      operationId: 'createCollection',
      summary: 'Create a collection',
      response: 'Collection',
      required: ['name'],
      errors: ['INSUFFICIENT_PERMISSIONS'],
    },
    document: `mutation ($organizationId: ID!, $input: CreateCollectionInput!) {
      createCollection(organizationId: $organizationId, input: $input) { ${COLLECTION_FIELDS} } }`,
    bodyFields: ['name', 'description', 'cover_track_id', 'cover_image_url'],
    variables: (i) => ({ organizationId: org(i), input: camelKeys(i.body) }),
    body: (data) => collectionBody(data.createCollection),
    etag: (data) => data.createCollection._version,
    status: 201,
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/collections',
    doc: {
      operationId: 'listCollections',
      summary: 'List your collections, newest first',
      response: 'CollectionList',
      page: COLLECTIONS_PAGE,
    },
    document: `query ($organizationId: ID!, $first: Int, $offset: Int) {
      collections(organizationId: $organizationId, first: $first, offset: $offset) { edges { node { ${COLLECTION_FIELDS} } } } }`,
    variables: (i) => ({ organizationId: org(i), ...page(i.query, COLLECTIONS_PAGE) }),
    // The list view leaves counts out, as documented.
    body: (data, i) => ({
      items: data.collections.edges.map((e: { node: Record<string, unknown> }) => ({
        ...collectionBody(e.node),
        track_count: null,
      })),
      ...restPage(i, COLLECTIONS_PAGE),
    }),
    status: 200,
    fieldAliases: { first: 'limit' },
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/collections/:collection_id',
    doc: { operationId: 'getCollection', summary: 'Read a collection', response: 'Collection' },
    document: `query ($organizationId: ID!, $id: ID!) { collection(organizationId: $organizationId, id: $id) { ${COLLECTION_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), id: i.params.collection_id }),
    body: (data) => collectionBody(data.collection),
    etag: (data) => data.collection._version,
    status: 200,
  },
  {
    method: 'PATCH',
    path: '/v1/music/:organization_id/collections/:collection_id',
    doc: {
      operationId: 'updateCollection',
      summary: 'Update a collection (only the fields sent change)',
      response: 'Collection',
      ifMatch: true,
    },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $input: UpdateCollectionInput!, $ifVersion: Int) {
      updateCollection(organizationId: $organizationId, collectionId: $collectionId, input: $input, ifVersion: $ifVersion) {
        ${COLLECTION_FIELDS} } }`,
    bodyFields: ['name', 'description', 'cover_track_id', 'cover_image_url'],
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      input: camelKeys(i.body),
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => collectionBody(data.updateCollection),
    etag: (data) => data.updateCollection._version,
    status: 200,
  },
  {
    method: 'PATCH',
    path: '/v1/music/:organization_id/collections/:collection_id/order',
    doc: {
      operationId: 'reorderCollection',
      summary: 'Reorder the tracks of a collection',
      response: 'Ack',
      required: ['ordered_track_ids'],
      ifMatch: true,
    },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $orderedTrackIds: [ID!]!, $ifVersion: Int) {
      reorderCollection(organizationId: $organizationId, collectionId: $collectionId,
        orderedTrackIds: $orderedTrackIds, ifVersion: $ifVersion) { ${ACK_FIELDS} } }`,
    bodyFields: ['ordered_track_ids'],
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      orderedTrackIds: i.body.ordered_track_ids,
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => data.reorderCollection,
    status: 200,
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/collections/:collection_id',
    doc: { operationId: 'deleteCollection', summary: 'Delete a collection', response: 'Ack', ifMatch: true },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $ifVersion: Int) {
      deleteCollection(organizationId: $organizationId, collectionId: $collectionId, ifVersion: $ifVersion) { ${ACK_FIELDS} } }`,
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => data.deleteCollection,
    status: 200,
  },
  {
    // The documented single `track_id` (appended, idempotent), or a batch: `track_ids` at `position`.
    method: 'POST',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks',
    doc: {
      operationId: 'addTrackToCollection',
      summary: 'Append a track (track_id), or insert up to 100 at a position (track_ids, position)',
      description:
        `With \`track_id\`: appends it; adding a track already there changes nothing; answers an ack. With \`track_ids\` (at most ${BATCH_MAX_IDS}) ` +
        'and an optional `position` (0 to the track count; default the end): inserts those that can be added as one block there, in ' +
        'the order sent, in one transaction and one new version, and answers the collection and one result per id (RESOURCE_NOT_FOUND, ' +
        'TRACK_ALREADY_IN_COLLECTION), with the new version as ETag.',
      response: 'TrackOrTracksAdded',
      forms: [['track_id'], ['track_ids']],
      ifMatch: true,
    },
    document: (i) => (batchForm(i, 'track_id') ? ADD_TRACKS : ADD_TRACK),
    bodyFields: ['track_id', 'track_ids', 'position'],
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      ...(batchForm(i, 'track_id')
        ? { trackIds: i.body.track_ids, position: i.body.position }
        : { trackId: i.body.track_id }),
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => data.addTrackToCollection ?? editBody(data.addTracksToCollection),
    etag: (data) => data.addTracksToCollection?.collection._version,
    status: 200,
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks',
    doc: {
      operationId: 'removeTracksFromCollection',
      summary: 'Remove up to 100 tracks from a collection',
      description:
        'One transaction and one new version; the gaps close. Answers the collection and one result per id: RESOURCE_NOT_FOUND for a track ' +
        'the collection does not hold, else the position it held.',
      response: 'CollectionTracksEdit',
      required: ['track_ids'],
      ifMatch: true,
    },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $trackIds: [ID!]!, $ifVersion: Int) {
      removeTracksFromCollection(organizationId: $organizationId, collectionId: $collectionId, trackIds: $trackIds,
        ifVersion: $ifVersion) { ${EDIT_FIELDS} } }`,
    bodyFields: ['track_ids'],
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      trackIds: i.body.track_ids,
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => editBody(data.removeTracksFromCollection),
    etag: (data) => data.removeTracksFromCollection.collection._version,
    status: 200,
  },
  {
    method: 'PATCH',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks',
    doc: {
      operationId: 'moveTracksInCollection',
      summary: 'Move a range of tracks (range_start, range_length) to before a position (insert_before)',
      description:
        'Positions are counted before the move; `insert_before` equal to the track count is the end. A range or an insertion point past the ' +
        'end is INVALID_TRACK_MOVE (422); an insertion point inside the range moves nothing. Answers the collection, with its version as ETag.',
      response: 'Collection',
      required: ['range_start', 'insert_before'],
      ifMatch: true,
      errors: ['INVALID_TRACK_MOVE'],
    },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $rangeStart: Int!, $rangeLength: Int, $insertBefore: Int!, $ifVersion: Int) {
      moveTracksInCollection(organizationId: $organizationId, collectionId: $collectionId, rangeStart: $rangeStart,
        rangeLength: $rangeLength, insertBefore: $insertBefore, ifVersion: $ifVersion) { ${COLLECTION_FIELDS} } }`,
    bodyFields: ['range_start', 'range_length', 'insert_before'],
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      rangeStart: i.body.range_start,
      // Absent or null: one track, as in GraphQL.
      rangeLength: i.body.range_length ?? 1,
      insertBefore: i.body.insert_before,
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => collectionBody(data.moveTracksInCollection),
    etag: (data) => data.moveTracksInCollection._version,
    status: 200,
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks',
    doc: {
      operationId: 'listCollectionTracks',
      summary: 'List the tracks of a collection in position order',
      response: 'CollectionTracks',
      page: COLLECTION_TRACKS_PAGE,
    },
    document: `query ($organizationId: ID!, $id: ID!, $first: Int, $offset: Int) {
      collection(organizationId: $organizationId, id: $id) {
        id version tracks(first: $first, offset: $offset) { edges { position added_at: addedAt node { id } } } } }`,
    variables: (i) => ({
      organizationId: org(i),
      id: i.params.collection_id,
      ...page(i.query, COLLECTION_TRACKS_PAGE),
    }),
    body: (data, i) => ({
      collection_id: data.collection.id,
      items: data.collection.tracks.edges.map((e: { position: number; added_at: string; node: { id: string } }) => ({
        track_id: e.node.id,
        position: e.position,
        added_at: e.added_at,
      })),
      ...restPage(i, COLLECTION_TRACKS_PAGE),
    }),
    etag: (data) => data.collection.version,
    status: 200,
    fieldAliases: { first: 'limit' },
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks/:track_id',
    doc: {
      operationId: 'removeTrackFromCollection',
      summary: 'Remove a track from a collection (idempotent)',
      response: 'Ack',
      ifMatch: true,
    },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $trackId: ID!, $ifVersion: Int) {
      removeTrackFromCollection(organizationId: $organizationId, collectionId: $collectionId, trackId: $trackId,
        ifVersion: $ifVersion) { ${ACK_FIELDS} } }`,
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params.collection_id,
      trackId: i.params.track_id,
      ifVersion: ifVersion(i.headers),
    }),
    body: (data) => data.removeTrackFromCollection,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/tracks',
    doc: {
      operationId: 'createTrack',
      summary: 'Create a track; it enters your library',
      response: 'Track',
      required: ['title'],
      errors: ['INSUFFICIENT_PERMISSIONS'],
    },
    document: `mutation ($organizationId: ID!, $input: CreateTrackInput!) {
      createTrack(organizationId: $organizationId, input: $input) { ${TRACK_FIELDS} } }`,
    bodyFields: ['title', 'duration_seconds', 'instrumental', 'audio_url', 'artwork_url', 'mode', 'engine'],
    variables: (i) => ({ organizationId: org(i), input: camelKeys(i.body) }),
    body: (data) => trackBody(data.createTrack, true),
    status: 201,
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/tracks',
    doc: {
      operationId: 'listLibrary',
      summary: 'List your library, newest save first',
      response: 'TrackList',
      page: LIBRARY_PAGE,
      query: ['collection_id', 'mode', 'engine'],
    },
    document: `query ($organizationId: ID!, $first: Int, $offset: Int, $collectionId: ID, $mode: String, $engine: String) {
      tracks(organizationId: $organizationId, first: $first, offset: $offset, collectionId: $collectionId, mode: $mode,
        engine: $engine) { edges { node { ${TRACK_FIELDS} } } } }`,
    variables: (i) => ({
      organizationId: org(i),
      ...page(i.query, LIBRARY_PAGE),
      collectionId: i.query.get('collection_id'),
      mode: i.query.get('mode'),
      engine: i.query.get('engine'),
    }),
    body: (data, i) => ({
      items: data.tracks.edges.map((e: { node: Record<string, unknown> }) => trackBody(e.node, false)),
      ...restPage(i, LIBRARY_PAGE),
    }),
    status: 200,
    fieldAliases: { first: 'limit' },
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/tracks/:track_id',
    doc: { operationId: 'getTrack', summary: 'Read a track', response: 'Track' },
    document: `query ($organizationId: ID!, $id: ID!) { track(organizationId: $organizationId, id: $id) { ${TRACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), id: i.params.track_id }),
    body: (data) => trackBody(data.track, true),
    status: 200,
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/tracks/:track_id',
    doc: {
      operationId: 'deleteTrack',
      summary: 'Delete a track you created',
      response: 'Ack',
      errors: ['INSUFFICIENT_PERMISSIONS'],
    },
    document: `mutation ($organizationId: ID!, $trackId: ID!) {
      deleteTrack(organizationId: $organizationId, trackId: $trackId) { ${ACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), trackId: i.params.track_id }),
    body: (data) => data.deleteTrack,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/tracks/:track_id/save',
    doc: { operationId: 'saveTrack', summary: 'Save a track into your library (idempotent)', response: 'SavedTrack' },
    document: `mutation ($organizationId: ID!, $trackId: ID!) {
      saveTrack(organizationId: $organizationId, trackId: $trackId) { id track_id: trackId source created_at: createdAt } }`,
    variables: (i) => ({ organizationId: org(i), trackId: i.params.track_id }),
    // 200, not 201: saving is idempotent and may return an entry that already existed.
    body: (data) => ({ ...data.saveTrack, saved: true }),
    status: 200,
  },
  {
    // Not in the reference (no unsave page); the natural pair of save.
    method: 'DELETE',
    path: '/v1/music/:organization_id/tracks/:track_id/save',
    doc: { operationId: 'unsaveTrack', summary: 'Remove a track from your library (idempotent)', response: 'Ack' },
    document: `mutation ($organizationId: ID!, $trackId: ID!) {
      unsaveTrack(organizationId: $organizationId, trackId: $trackId) { ${ACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), trackId: i.params.track_id }),
    body: (data) => data.unsaveTrack,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/tracks/:track_id/share',
    doc: { operationId: 'shareTrack', summary: 'Share a track you created', response: 'ShareLink' },
    document: `mutation ($organizationId: ID!, $trackId: ID!, $visibility: ShareVisibility, $expiresInDays: Int) {
      shareTrack(organizationId: $organizationId, trackId: $trackId, visibility: $visibility,
        expiresInDays: $expiresInDays) { ${SHARE_FIELDS} } }`,
    bodyFields: ['visibility', 'expires_in_days'],
    variables: (i) => ({ organizationId: org(i), trackId: i.params.track_id, ...shareOptions(i) }),
    body: (data) => data.shareTrack,
    status: 201,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/collections/:collection_id/share',
    doc: { operationId: 'shareCollection', summary: 'Share a collection you own', response: 'ShareLink' },
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $visibility: ShareVisibility, $expiresInDays: Int) {
      shareCollection(organizationId: $organizationId, collectionId: $collectionId, visibility: $visibility,
        expiresInDays: $expiresInDays) { ${SHARE_FIELDS} } }`,
    bodyFields: ['visibility', 'expires_in_days'],
    variables: (i) => ({ organizationId: org(i), collectionId: i.params.collection_id, ...shareOptions(i) }),
    body: (data) => data.shareCollection,
    status: 201,
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/share/:share_id',
    doc: { operationId: 'revokeShare', summary: 'Revoke a share link (idempotent)', response: 'Ack' },
    document: `mutation ($organizationId: ID!, $shareId: ID!) {
      revokeShare(organizationId: $organizationId, shareId: $shareId) { ${ACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), shareId: i.params.share_id }),
    body: (data) => data.revokeShare,
    status: 200,
  },
];

/** Lists echo the limit and offset they applied. */
function restPage(i: RestInput, limits: PageLimits) {
  const { first, offset } = page(i.query, limits);
  return { limit: first, offset };
}
