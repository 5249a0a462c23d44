// The tenant-isolation matrix as data: who (principal) does what (operation) to which object,
// over which transport, and what must come back. test/isolation.test.ts runs one test per cell
// and checks that the operations here cover every GraphQL root field, REST route and Groove
// endpoint; `npx tsx test/isolation/print.ts` prints the table as JSON.

export const principals = [
  'none',
  'malformed_key',
  'revoked_key',
  'owner',
  'member',
  'no_capability',
  'other_org',
] as const;
export type Principal = (typeof principals)[number];

/** Objects, seen from the owner (alice): hers, a same-organization member's, another organization's, … */
export const objects = ['own', 'same_org_other', 'other_org', 'nonexistent', 'deleted'] as const;
export type ObjectKind = (typeof objects)[number];

/** `groove` is the Groove-compatible shim, whose path names no organization. */
export const transports = ['rest', 'graphql', 'graphql_aliased', 'node', 'groove'] as const;
export type Transport = (typeof transports)[number];

/** `token` is a share link's secret token; `share` is the link's id. */
export type Target = 'collection' | 'track' | 'share' | 'token' | null;

export interface Operation {
  name: string;
  /** What the object axis varies; null for operations on no single object (lists, creates). */
  target: Target;
  /**
   * Where the organization comes from: named in the request (a non-member is refused before
   * anything is looked up), the share link behind a token, or nowhere (the viewer itself).
   */
  scope: 'organization' | 'token' | 'viewer';
  /** Needs no key; a key, valid or not, changes nothing about the answer. */
  public?: boolean;
  /** Needs USE_MUSIC_GENERATION. */
  capability?: boolean;
  /**
   * When a member succeeds on an object:
   * - `mine`: only on their own (the owner of a collection, the creator of a track or link, a
   *   track in their library; anything else is the object's not-found answer);
   * - `any`: on every object (idempotent operations that ignore what is not theirs);
   * - `live_token`: whenever the token is live, whoever calls;
   * - `member_token`: when the token is live and the caller belongs to the link's organization.
   */
  rule: 'none' | 'mine' | 'any' | 'live_token' | 'member_token';
  /** One id in, one result out: a failure is the item's own, inside a 200. */
  batch?: boolean;
  /** What an object that is not the caller's gets instead of the not-found answer. */
  refusal?: { status: number; code: string; details: readonly string[] };
  /** Repeating it succeeds again (so aliased success cells expect two successes). */
  idempotent: boolean;
  /** Only reads: even a success changes nothing. */
  read?: boolean;
  /** The success status (REST); GraphQL successes are compared against it too. */
  status: number;
  rest?: {
    method: string;
    path: (org: string, id: string, ids: SeedIds) => string;
    body?: (ids: SeedIds, id: string) => unknown;
  };
  graphql: { field: string; args: (org: string, id: string, ids: SeedIds) => string; selection: string };
  /** The Groove call; `endpoint` is its method and path as the coverage test lists the family. */
  groove?: {
    endpoint: string;
    path: (id: string, ids: SeedIds) => string;
    body?: (ids: SeedIds, id: string) => unknown;
  };
  /** node(id) applies to reads of one object. */
  node?: boolean;
}

/** The acting principal's own collection and track (operations that need a second object use them). */
export interface SeedIds {
  ownCollection: string;
  ownTrack: string;
  /** A collection of theirs that holds nothing. */
  emptyCollection: string;
  /** A track of theirs in no collection. */
  spareTrack: string;
}

const q = JSON.stringify;
const ACK = '{ id }';
// Reads select whose objects they are and what they point at, so an answer that shows anything of
// someone else's fails the foreign-id check in isolation.test.ts.
const COLLECTION = '{ id ownerId coverTrack { id creatorId } tracks { edges { node { id creatorId } } } }';
// In a list, each collection's own page is kept small: 50 collections × the default 200 tracks
// (aliased, twice that) is more than the cost limit admits in one operation.
const LISTED_COLLECTION =
  '{ id ownerId coverTrack { id creatorId } tracks(first: 20) { edges { node { id creatorId } } } }';
const TRACK = '{ id creatorId organizationId }';
const LIBRARY = '{ edges { libraryEntryId node { id creatorId } } }';
const ITEM = '{ inputId success id error { code } }';
const EDIT = '{ collection { id } results { inputId success position error { code } } }';

// Groove's forms of the ids, and its calls (src/rest/groove-playlists.ts).
const playlist = (id: string) => `music.playlist.${id}`;
const PLAYLISTS = '/1/content/music/collection/playlists';
const grooveBatch = (action: 'add' | 'delete') => ({
  endpoint: `POST /1/content/music/collection/${action}`,
  path: () => `/1/content/music/collection/${action}`,
  body: (_ids: SeedIds, id: string) => ({ TrackIds: [id] }),
});
const grooveUpdate = (body: (ids: SeedIds, id: string) => unknown) => ({
  endpoint: `POST ${PLAYLISTS}/update`,
  path: () => `${PLAYLISTS}/update`,
  body,
});

export const operations: Operation[] = [
  {
    name: 'viewer',
    target: null,
    scope: 'viewer',
    rule: 'none',
    idempotent: true,
    read: true,
    status: 200,
    graphql: { field: 'viewer', args: () => '', selection: '{ id organizations { id } }' },
  },
  {
    name: 'list collections',
    target: null,
    scope: 'organization',
    rule: 'none',
    idempotent: true,
    read: true,
    status: 200,
    rest: { method: 'GET', path: (o) => `/v1/music/${o}/collections` },
    graphql: {
      field: 'collections',
      args: (o) => `organizationId: ${q(o)}`,
      selection: `{ edges { node ${LISTED_COLLECTION} } }`,
    },
    groove: { endpoint: `GET ${PLAYLISTS}/browse`, path: () => `${PLAYLISTS}/browse` },
  },
  {
    name: 'create collection',
    target: null,
    scope: 'organization',
    capability: true,
    rule: 'none',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o) => `/v1/music/${o}/collections`, body: () => ({ name: 'new' }) },
    graphql: {
      field: 'createCollection',
      args: (o) => `organizationId: ${q(o)}, input: { name: "new" }`,
      selection: '{ id }',
    },
    groove: { endpoint: `POST ${PLAYLISTS}/create`, path: () => `${PLAYLISTS}/create`, body: () => ({ Name: 'new' }) },
  },
  {
    name: 'create collection with cover track',
    target: 'track',
    scope: 'organization',
    capability: true,
    rule: 'mine',
    idempotent: true,
    status: 201,
    rest: {
      method: 'POST',
      path: (o) => `/v1/music/${o}/collections`,
      body: (_ids, id) => ({ name: 'new', cover_track_id: id }),
    },
    graphql: {
      field: 'createCollection',
      args: (o, id) => `organizationId: ${q(o)}, input: { name: "new", coverTrackId: ${q(id)} }`,
      selection: '{ id coverTrack { id } }',
    },
  },
  {
    name: 'get collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    read: true,
    node: true,
    status: 200,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/collections/${id}` },
    graphql: { field: 'collection', args: (o, id) => `organizationId: ${q(o)}, id: ${q(id)}`, selection: COLLECTION },
  },
  {
    name: 'update collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: { method: 'PATCH', path: (o, id) => `/v1/music/${o}/collections/${id}`, body: () => ({ name: 'renamed' }) },
    graphql: {
      field: 'updateCollection',
      args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}, input: { name: "renamed" }`,
      selection: '{ id }',
    },
    groove: grooveUpdate((_ids, id) => ({ Id: playlist(id), Name: 'renamed' })),
  },
  {
    name: 'set cover track of own collection',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: {
      method: 'PATCH',
      path: (o, _id, ids) => `/v1/music/${o}/collections/${ids.ownCollection}`,
      body: (_ids, id) => ({ cover_track_id: id }),
    },
    graphql: {
      field: 'updateCollection',
      args: (o, id, ids) =>
        `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, input: { coverTrackId: ${q(id)} }`,
      selection: '{ id coverTrack { id } }',
    },
  },
  {
    name: 'delete collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: false,
    status: 200,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/collections/${id}` },
    graphql: {
      field: 'deleteCollection',
      args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`,
      selection: ACK,
    },
    groove: {
      endpoint: `POST ${PLAYLISTS}/delete`,
      path: () => `${PLAYLISTS}/delete`,
      body: (_ids, id) => ({ Id: playlist(id) }),
    },
  },
  {
    name: 'add own track to collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: {
      method: 'POST',
      path: (o, id) => `/v1/music/${o}/collections/${id}/tracks`,
      body: (ids) => ({ track_id: ids.ownTrack }),
    },
    graphql: {
      field: 'addTrackToCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, trackId: ${q(ids.ownTrack)}`,
      selection: ACK,
    },
  },
  {
    name: 'add track to own collection',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: {
      method: 'POST',
      path: (o, _id, ids) => `/v1/music/${o}/collections/${ids.ownCollection}/tracks`,
      body: (_ids, id) => ({ track_id: id }),
    },
    graphql: {
      field: 'addTrackToCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, trackId: ${q(id)}`,
      selection: ACK,
    },
  },
  {
    name: 'remove track from collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: { method: 'DELETE', path: (o, id, ids) => `/v1/music/${o}/collections/${id}/tracks/${ids.ownTrack}` },
    graphql: {
      field: 'removeTrackFromCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, trackId: ${q(ids.ownTrack)}`,
      selection: ACK,
    },
  },
  {
    name: 'list collection tracks',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    read: true,
    status: 200,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/collections/${id}/tracks` },
    graphql: {
      field: 'collection',
      args: (o, id) => `organizationId: ${q(o)}, id: ${q(id)}`,
      selection: '{ tracks { edges { node { id creatorId } } } }',
    },
    groove: {
      endpoint: 'GET /1/content/{playlist}/collection/playlist/tracks/browse',
      path: (id) => `/1/content/${playlist(id)}/collection/playlist/tracks/browse`,
    },
  },
  {
    name: 'reorder collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: {
      method: 'PATCH',
      path: (o, id) => `/v1/music/${o}/collections/${id}/order`,
      body: (ids) => ({ ordered_track_ids: [ids.ownTrack] }),
    },
    graphql: {
      field: 'reorderCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, orderedTrackIds: [${q(ids.ownTrack)}]`,
      selection: ACK,
    },
  },
  {
    // Ids that are not in the collection are ignored, so naming anyone's track succeeds and moves nothing of theirs.
    name: 'reorder own collection naming a track',
    target: 'track',
    scope: 'organization',
    rule: 'any',
    idempotent: true,
    status: 200,
    rest: {
      method: 'PATCH',
      path: (o, _id, ids) => `/v1/music/${o}/collections/${ids.ownCollection}/order`,
      body: (_ids, id) => ({ ordered_track_ids: [id] }),
    },
    graphql: {
      field: 'reorderCollection',
      args: (o, id, ids) =>
        `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, orderedTrackIds: [${q(id)}]`,
      selection: ACK,
    },
  },
  {
    // The batch edits (src/domain/collection-edits.ts), naming the collection or the track.
    name: 'add tracks to collection (batch)',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    // Again, the track is already there: the item's TRACK_ALREADY_IN_COLLECTION.
    idempotent: false,
    status: 200,
    rest: {
      method: 'POST',
      path: (o, id) => `/v1/music/${o}/collections/${id}/tracks`,
      body: (ids) => ({ track_ids: [ids.spareTrack], position: 0 }),
    },
    graphql: {
      field: 'addTracksToCollection',
      args: (o, id, ids) =>
        `organizationId: ${q(o)}, collectionId: ${q(id)}, trackIds: [${q(ids.spareTrack)}], position: 0`,
      selection: EDIT,
    },
    groove: grooveUpdate((ids, id) => ({
      Id: playlist(id),
      TrackActions: [{ Id: `music.${ids.spareTrack}`, Action: 'Add' }],
    })),
  },
  {
    name: 'add tracks to own empty collection (batch)',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    batch: true,
    idempotent: false,
    status: 200,
    rest: {
      method: 'POST',
      path: (o, _id, ids) => `/v1/music/${o}/collections/${ids.emptyCollection}/tracks`,
      body: (_ids, id) => ({ track_ids: [id] }),
    },
    graphql: {
      field: 'addTracksToCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.emptyCollection)}, trackIds: [${q(id)}]`,
      selection: EDIT,
    },
    groove: grooveUpdate((ids, id) => ({
      Id: playlist(ids.emptyCollection),
      TrackActions: [{ Id: id, Action: 'Add' }],
    })),
  },
  {
    name: 'remove tracks from collection (batch)',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: false,
    status: 200,
    rest: {
      method: 'DELETE',
      path: (o, id) => `/v1/music/${o}/collections/${id}/tracks`,
      body: (ids) => ({ track_ids: [ids.ownTrack] }),
    },
    graphql: {
      field: 'removeTracksFromCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, trackIds: [${q(ids.ownTrack)}]`,
      selection: EDIT,
    },
    groove: grooveUpdate((ids, id) => ({
      Id: playlist(id),
      TrackActions: [{ Id: `music.${ids.ownTrack}`, Action: 'Delete' }],
    })),
  },
  {
    // Whoever's the track, one the collection does not hold is the item's RESOURCE_NOT_FOUND.
    name: 'remove tracks from own collection (batch)',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    batch: true,
    idempotent: false,
    status: 200,
    rest: {
      method: 'DELETE',
      path: (o, _id, ids) => `/v1/music/${o}/collections/${ids.ownCollection}/tracks`,
      body: (_ids, id) => ({ track_ids: [id] }),
    },
    graphql: {
      field: 'removeTracksFromCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, trackIds: [${q(id)}]`,
      selection: EDIT,
    },
    groove: grooveUpdate((ids, id) => ({
      Id: playlist(ids.ownCollection),
      TrackActions: [{ Id: id, Action: 'Delete' }],
    })),
  },
  {
    // A collection of one track: moving it before the end moves nothing, but every rule is applied.
    name: 'move a range of tracks in collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: {
      method: 'PATCH',
      path: (o, id) => `/v1/music/${o}/collections/${id}/tracks`,
      body: () => ({ range_start: 0, range_length: 1, insert_before: 1 }),
    },
    graphql: {
      field: 'moveTracksInCollection',
      args: (o, id) =>
        `organizationId: ${q(o)}, collectionId: ${q(id)}, rangeStart: 0, rangeLength: 1, insertBefore: 1`,
      selection: '{ id trackCount }',
    },
  },
  {
    name: 'move selected tracks in collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    graphql: {
      field: 'moveSelectedTracksInCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, trackIds: [${q(ids.ownTrack)}]`,
      selection: '{ id }',
    },
    groove: grooveUpdate((ids, id) => ({
      Id: playlist(id),
      TrackActions: [{ Id: `music.${ids.ownTrack}`, Action: 'Move' }],
    })),
  },
  {
    // A track the caller's collection does not hold, whoever's it is, is the same refusal.
    name: 'move a selected track in own collection',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    refusal: { status: 422, code: 'INVALID_TRACK_MOVE', details: ['collection_id', 'track_id'] },
    idempotent: true,
    status: 200,
    graphql: {
      field: 'moveSelectedTracksInCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, trackIds: [${q(id)}]`,
      selection: '{ id }',
    },
    groove: grooveUpdate((ids, id) => ({
      Id: playlist(ids.ownCollection),
      TrackActions: [{ Id: id, Action: 'Move' }],
    })),
  },
  {
    name: 'share collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/collections/${id}/share` },
    graphql: {
      field: 'shareCollection',
      args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`,
      selection: '{ id }',
    },
  },
  {
    name: 'list library',
    target: null,
    scope: 'organization',
    rule: 'none',
    idempotent: true,
    read: true,
    status: 200,
    rest: { method: 'GET', path: (o) => `/v1/music/${o}/tracks` },
    graphql: { field: 'tracks', args: (o) => `organizationId: ${q(o)}`, selection: LIBRARY },
  },
  {
    name: 'list library by mode and engine',
    target: null,
    scope: 'organization',
    rule: 'none',
    idempotent: true,
    read: true,
    status: 200,
    rest: { method: 'GET', path: (o) => `/v1/music/${o}/tracks?mode=creation&engine=studio` },
    graphql: {
      field: 'tracks',
      args: (o) => `organizationId: ${q(o)}, mode: "creation", engine: "studio"`,
      selection: LIBRARY,
    },
  },
  {
    name: 'list library in a collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    read: true,
    status: 200,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/tracks?collection_id=${id}` },
    graphql: {
      field: 'tracks',
      args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`,
      selection: LIBRARY,
    },
  },
  {
    name: 'create track',
    target: null,
    scope: 'organization',
    capability: true,
    rule: 'none',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o) => `/v1/music/${o}/tracks`, body: () => ({ title: 'new' }) },
    graphql: {
      field: 'createTrack',
      args: (o) => `organizationId: ${q(o)}, input: { title: "new" }`,
      selection: '{ id }',
    },
  },
  {
    name: 'get track',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    read: true,
    node: true,
    status: 200,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/tracks/${id}` },
    graphql: { field: 'track', args: (o, id) => `organizationId: ${q(o)}, id: ${q(id)}`, selection: TRACK },
  },
  {
    // A track the caller cannot see is not found. (The 403 for one they see through a shared save
    // but did not create is in graphql-mutations.test.ts; this seed makes no shared saves.)
    name: 'delete track',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: false,
    status: 200,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/tracks/${id}` },
    graphql: { field: 'deleteTrack', args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`, selection: ACK },
  },
  {
    name: 'save track',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/tracks/${id}/save` },
    graphql: {
      field: 'saveTrack',
      args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`,
      selection: '{ id trackId }',
    },
  },
  {
    // Idempotent: what is not in the caller's library (whoever's it is) is a success that changes nothing.
    name: 'unsave track',
    target: 'track',
    scope: 'organization',
    rule: 'any',
    idempotent: true,
    status: 200,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/tracks/${id}/save` },
    graphql: { field: 'unsaveTrack', args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`, selection: ACK },
  },
  {
    name: 'save tracks (batch)',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    batch: true,
    idempotent: true,
    status: 200,
    graphql: { field: 'saveTracks', args: (o, id) => `organizationId: ${q(o)}, trackIds: [${q(id)}]`, selection: ITEM },
    groove: grooveBatch('add'),
  },
  {
    // Unlike unsaveTrack, an id that is not in the library is the item's RESOURCE_NOT_FOUND.
    name: 'unsave tracks (batch)',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    batch: true,
    idempotent: false,
    status: 200,
    graphql: {
      field: 'unsaveTracks',
      args: (o, id) => `organizationId: ${q(o)}, trackIds: [${q(id)}]`,
      selection: ITEM,
    },
    groove: grooveBatch('delete'),
  },
  {
    name: 'share track',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/tracks/${id}/share` },
    graphql: {
      field: 'shareTrack',
      args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`,
      selection: '{ id }',
    },
  },
  {
    name: 'revoke share',
    target: 'share',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 200,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/share/${id}` },
    graphql: { field: 'revokeShare', args: (o, id) => `organizationId: ${q(o)}, shareId: ${q(id)}`, selection: ACK },
  },
  {
    // A token is a bearer capability: whoever holds a live one may read what it shows.
    name: 'read shared content',
    target: 'token',
    scope: 'token',
    public: true,
    rule: 'live_token',
    idempotent: true,
    read: true,
    status: 200,
    rest: { method: 'GET', path: (_o, id) => `/v1/music/shared/${id}` },
    graphql: {
      field: 'sharedContent',
      args: (_o, id) => `token: ${q(id)}`,
      selection: '{ kind available track { id } }',
    },
  },
  {
    name: 'save shared track',
    target: 'token',
    scope: 'token',
    rule: 'member_token',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (_o, id) => `/v1/music/shared/${id}/save` },
    graphql: { field: 'saveSharedTrack', args: (_o, id) => `token: ${q(id)}`, selection: '{ id trackId }' },
  },
];

export interface Expected {
  /** HTTP status on REST and Groove; the GraphQL error's extensions.status; 200 for an item's failure. */
  status: number;
  code: string | null;
  /** The failure is the batch item's, inside a successful answer. */
  item?: boolean;
  /** The `details` keys of a 404 (a token's 404 names nothing). */
  details?: readonly string[];
  /** A failure or a read: the database must be byte-for-byte the same afterwards. */
  unchanged: boolean;
}

const detailKeys = { collection: ['collection_id'], track: ['track_id'], share: ['share_id'], token: [] } as const;

const orgOfPrincipal = (p: Principal) => (p === 'other_org' ? 'B' : 'A');
const orgOfObject = (o: ObjectKind) => (o === 'other_org' ? 'B' : o === 'nonexistent' ? null : 'A');

/** The policy, written independently of the product: what each cell must answer. */
export function expected(
  principal: Principal,
  op: Operation,
  object: ObjectKind | null,
  transport: Transport,
): Expected {
  const answer = policy(principal, op, object, transport);
  return transport === 'groove' ? inGrooveTerms(answer) : answer;
}

function policy(principal: Principal, op: Operation, object: ObjectKind | null, transport: Transport): Expected {
  const success: Expected = { status: op.status, code: null, unchanged: op.read === true };
  const refuse = (status: number, code: string): Expected => ({ status, code, unchanged: true });
  const notFound: Expected = {
    status: op.batch ? 200 : 404,
    code: 'RESOURCE_NOT_FOUND',
    ...(op.batch ? { item: true } : { details: detailKeys[op.target ?? 'token'] }),
    unchanged: true,
  };
  const live = object === 'own' || object === 'same_org_other' || object === 'other_org';

  if (op.public) return live ? success : notFound;
  if (principal === 'none' || principal === 'malformed_key' || principal === 'revoked_key') {
    return refuse(401, 'AUTHENTICATION_REQUIRED');
  }
  // node(id) and the Groove shim name no organization: the other organization's member acts in
  // their own and meets the not-found answer for everything but their own object.
  const namesOrganization = op.scope === 'organization' && transport !== 'node' && transport !== 'groove';
  if (principal === 'other_org' && namesOrganization) return refuse(403, 'ORGANIZATION_ACCESS_DENIED');
  if (op.capability && principal === 'no_capability') return refuse(403, 'INSUFFICIENT_PERMISSIONS');
  if (op.target === null || object === null) return success;

  // Objects are seen from the owner. The member (bob) owns the "same_org_other" ones; the
  // member without capability owns nothing and sees nothing of the others.
  const mine =
    (principal === 'owner' && object === 'own') ||
    (principal === 'member' && object === 'same_org_other') ||
    (principal === 'other_org' && object === 'other_org') ||
    // Revoking a revoked link of one's own is an idempotent success.
    (op.target === 'share' && principal === 'owner' && object === 'deleted');
  switch (op.rule) {
    case 'any':
      return success;
    case 'live_token':
      return live ? success : notFound;
    case 'member_token':
      if (!live) return notFound;
      return orgOfObject(object) === orgOfPrincipal(principal) ? success : refuse(403, 'ORGANIZATION_ACCESS_DENIED');
    default:
      if (mine) return success;
      return op.refusal ? { ...refuse(op.refusal.status, op.refusal.code), details: op.refusal.details } : notFound;
  }
}

/**
 * The Groove shim's vocabulary (docs/rest.md, "Groove-compatible endpoints"): every success is a
 * 200, an object that is not the caller's is COLLECTION_INVALID_ID (400 for a whole request), and
 * Groove's errors carry no details.
 */
function inGrooveTerms(answer: Expected): Expected {
  const { details: _, ...plain } = answer;
  if (answer.code === null) return { ...plain, status: 200 };
  if (answer.code === 'AUTHENTICATION_REQUIRED') return { ...plain, code: 'INVALID_AUTHORIZATION_HEADER' };
  if (answer.code === 'RESOURCE_NOT_FOUND')
    return { ...plain, code: 'COLLECTION_INVALID_ID', status: answer.item ? 200 : 400 };
  if (answer.code === 'INVALID_TRACK_MOVE')
    return { ...plain, code: 'COLLECTION_INVALID_PLAYLIST_REORDER', status: 400 };
  return plain;
}

export interface Cell {
  principal: Principal;
  operation: string;
  object: ObjectKind | null;
  transport: Transport;
  expect: Expected;
}

export function transportsOf(op: Operation): Transport[] {
  return transports.filter(
    (t) => (t !== 'rest' || op.rest) && (t !== 'node' || op.node) && (t !== 'groove' || op.groove),
  );
}

export function cells(): Cell[] {
  const all: Cell[] = [];
  for (const op of operations) {
    const objectAxis: (ObjectKind | null)[] = op.target === null ? [null] : [...objects];
    for (const principal of principals) {
      for (const object of objectAxis) {
        for (const transport of transportsOf(op)) {
          all.push({
            principal,
            operation: op.name,
            object,
            transport,
            expect: expected(principal, op, object, transport),
          });
        }
      }
    }
  }
  return all;
}
