import { invalidField } from '../domain/errors.js';

/** What a REST request offers to a route's variable mapping. */
export interface RestInput {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** `:name` segments are path parameters. */
  path: string;
  /** The GraphQL operation the route runs; the selection is the response body, in snake_case via aliases. */
  document: string;
  /** The JSON body fields the route accepts; absent for routes without a body. */
  bodyFields?: readonly string[];
  variables: (input: RestInput) => Record<string, unknown>;
  /** Shapes `data` of the operation into the documented body. */
  body: (data: any, input: RestInput) => unknown;
  status: 200 | 201;
  /** GraphQL argument names as the REST client knows them, for `details.field`. */
  fieldAliases?: Record<string, string>;
}

/** An integer query parameter with a default; a malformed one is a validation error. */
function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d{1,9}$/.test(raw)) throw invalidField(name, `${name} must be an integer`);
  return Number(raw);
}

const page = (query: URLSearchParams, defaultLimit: number) => ({
  first: intParam(query, 'limit', defaultLimit),
  offset: intParam(query, 'offset', 0),
});

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelKeys = (body: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(body).map(([k, v]) => [camel(k), v]));

const COLLECTION_FIELDS = `id name description cover_track_id: coverTrackId cover_image_url: coverImageUrl
  track_count: trackCount created_at: createdAt updated_at: updatedAt`;

const TRACK_FIELDS = `id title engine mode measured_duration_seconds: durationSeconds instrumental
  audio_url: audioUrl artwork_url: artworkUrl created_at: createdAt updated_at: updatedAt`;

const ACK_FIELDS = 'success id detail';

/** A track as the REST API shows it; playback and stem URLs are only minted on single-track reads. */
const trackBody = (track: Record<string, unknown>, single: boolean) => ({
  ...track,
  playback_url: single ? (track['audio_url'] ?? null) : null,
  stem_urls: null,
});

const org = (i: RestInput) => i.params['organization_id'];

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/music/:organization_id/collections',
    document: `mutation ($organizationId: ID!, $input: CreateCollectionInput!) {
      createCollection(organizationId: $organizationId, input: $input) { ${COLLECTION_FIELDS} } }`,
    bodyFields: ['name', 'description', 'cover_track_id', 'cover_image_url'],
    variables: (i) => ({ organizationId: org(i), input: camelKeys(i.body) }),
    body: (data) => data.createCollection,
    status: 201,
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/collections',
    document: `query ($organizationId: ID!, $first: Int, $offset: Int) {
      collections(organizationId: $organizationId, first: $first, offset: $offset) { edges { node { ${COLLECTION_FIELDS} } } } }`,
    variables: (i) => ({ organizationId: org(i), ...page(i.query, 50) }),
    // The list view leaves counts out, as documented.
    body: (data, i) => ({
      items: data.collections.edges.map((e: { node: object }) => ({ ...e.node, track_count: null })),
      ...restPage(i, 50),
    }),
    status: 200,
    fieldAliases: { first: 'limit' },
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/collections/:collection_id',
    document: `query ($organizationId: ID!, $id: ID!) { collection(organizationId: $organizationId, id: $id) { ${COLLECTION_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), id: i.params['collection_id'] }),
    body: (data) => data.collection,
    status: 200,
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/collections/:collection_id',
    document: `mutation ($organizationId: ID!, $collectionId: ID!) {
      deleteCollection(organizationId: $organizationId, collectionId: $collectionId) { ${ACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), collectionId: i.params['collection_id'] }),
    body: (data) => data.deleteCollection,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks',
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $trackId: ID!) {
      addTrackToCollection(organizationId: $organizationId, collectionId: $collectionId, trackId: $trackId) { ${ACK_FIELDS} } }`,
    bodyFields: ['track_id'],
    variables: (i) => ({ organizationId: org(i), collectionId: i.params['collection_id'], trackId: i.body['track_id'] }),
    body: (data) => data.addTrackToCollection,
    status: 200,
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks',
    document: `query ($organizationId: ID!, $id: ID!, $first: Int, $offset: Int) {
      collection(organizationId: $organizationId, id: $id) {
        id tracks(first: $first, offset: $offset) { edges { position added_at: addedAt node { id } } } } }`,
    variables: (i) => ({ organizationId: org(i), id: i.params['collection_id'], ...page(i.query, 200) }),
    body: (data, i) => ({
      collection_id: data.collection.id,
      items: data.collection.tracks.edges.map((e: { position: number; added_at: string; node: { id: string } }) => ({
        track_id: e.node.id,
        position: e.position,
        added_at: e.added_at,
      })),
      ...restPage(i, 200),
    }),
    status: 200,
    fieldAliases: { first: 'limit' },
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/collections/:collection_id/tracks/:track_id',
    document: `mutation ($organizationId: ID!, $collectionId: ID!, $trackId: ID!) {
      removeTrackFromCollection(organizationId: $organizationId, collectionId: $collectionId, trackId: $trackId) { ${ACK_FIELDS} } }`,
    variables: (i) => ({
      organizationId: org(i),
      collectionId: i.params['collection_id'],
      trackId: i.params['track_id'],
    }),
    body: (data) => data.removeTrackFromCollection,
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/music/:organization_id/tracks',
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
    document: `query ($organizationId: ID!, $first: Int, $offset: Int) {
      tracks(organizationId: $organizationId, first: $first, offset: $offset) { edges { node { ${TRACK_FIELDS} } } } }`,
    variables: (i) => ({ organizationId: org(i), ...page(i.query, 50) }),
    body: (data, i) => ({
      items: data.tracks.edges.map((e: { node: Record<string, unknown> }) => trackBody(e.node, false)),
      ...restPage(i, 50),
    }),
    status: 200,
    fieldAliases: { first: 'limit' },
  },
  {
    method: 'GET',
    path: '/v1/music/:organization_id/tracks/:track_id',
    document: `query ($organizationId: ID!, $id: ID!) { track(organizationId: $organizationId, id: $id) { ${TRACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), id: i.params['track_id'] }),
    body: (data) => trackBody(data.track, true),
    status: 200,
  },
  {
    method: 'DELETE',
    path: '/v1/music/:organization_id/tracks/:track_id',
    document: `mutation ($organizationId: ID!, $trackId: ID!) {
      deleteTrack(organizationId: $organizationId, trackId: $trackId) { ${ACK_FIELDS} } }`,
    variables: (i) => ({ organizationId: org(i), trackId: i.params['track_id'] }),
    body: (data) => data.deleteTrack,
    status: 200,
  },
];

/** Lists echo the limit and offset they applied. */
function restPage(i: RestInput, defaultLimit: number) {
  const { first, offset } = page(i.query, defaultLimit);
  return { limit: first, offset };
}
