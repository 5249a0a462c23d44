// The tenant-isolation matrix as data: who (principal) does what (operation) to which object,
// over which transport, and what must come back. test/isolation.test.ts runs one test per cell
// and checks that the operations here cover every GraphQL root field, REST route and Groove
// endpoint; `npx tsx test/isolation/print.ts` prints the table as JSON.

export const principals = ['none', 'malformed_key', 'revoked_key', 'owner', 'member', 'no_capability', 'other_org'] as const;
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
  /** The Groove path; the body is `{"TrackIds": [id]}`. */
  groove?: string;
  /** node(id) applies to reads of one object. */
  node?: boolean;
}

/** The acting principal's own collection and track (operations that need a second object use them). */
export interface SeedIds {
  ownCollection: string;
  ownTrack: string;
}

const q = JSON.stringify;
const ACK = '{ id }';
// Reads select whose objects they are and what they point at, so an answer that shows anything of
// someone else's fails the foreign-id check in isolation.test.ts.
const COLLECTION = '{ id ownerId coverTrack { id creatorId } tracks { edges { node { id creatorId } } } }';
// In a list, each collection's own page is kept small: 50 collections × the default 200 tracks
// (aliased, twice that) is more than the cost limit admits in one operation.
const LISTED_COLLECTION = '{ id ownerId coverTrack { id creatorId } tracks(first: 20) { edges { node { id creatorId } } } }';
const TRACK = '{ id creatorId organizationId }';
const LIBRARY = '{ edges { libraryEntryId node { id creatorId } } }';
const ITEM = '{ inputId success id error { code } }';

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
    graphql: { field: 'collections', args: (o) => `organizationId: ${q(o)}`, selection: `{ edges { node ${LISTED_COLLECTION} } }` },
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
    graphql: { field: 'createCollection', args: (o) => `organizationId: ${q(o)}, input: { name: "new" }`, selection: '{ id }' },
  },
  {
    name: 'create collection with cover track',
    target: 'track',
    scope: 'organization',
    capability: true,
    rule: 'mine',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o) => `/v1/music/${o}/collections`, body: (_ids, id) => ({ name: 'new', cover_track_id: id }) },
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
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, input: { coverTrackId: ${q(id)} }`,
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
    graphql: { field: 'deleteCollection', args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`, selection: ACK },
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
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, orderedTrackIds: [${q(id)}]`,
      selection: ACK,
    },
  },
  {
    name: 'share collection',
    target: 'collection',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/collections/${id}/share` },
    graphql: { field: 'shareCollection', args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`, selection: '{ id }' },
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
    graphql: { field: 'createTrack', args: (o) => `organizationId: ${q(o)}, input: { title: "new" }`, selection: '{ id }' },
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
    graphql: { field: 'saveTrack', args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`, selection: '{ id trackId }' },
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
    groove: '/1/content/music/collection/add',
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
    graphql: { field: 'unsaveTracks', args: (o, id) => `organizationId: ${q(o)}, trackIds: [${q(id)}]`, selection: ITEM },
    groove: '/1/content/music/collection/delete',
  },
  {
    name: 'share track',
    target: 'track',
    scope: 'organization',
    rule: 'mine',
    idempotent: true,
    status: 201,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/tracks/${id}/share` },
    graphql: { field: 'shareTrack', args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`, selection: '{ id }' },
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
    graphql: { field: 'sharedContent', args: (_o, id) => `token: ${q(id)}`, selection: '{ kind available track { id } }' },
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
export function expected(principal: Principal, op: Operation, object: ObjectKind | null, transport: Transport): Expected {
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
      return mine ? success : notFound;
  }
}

/** The Groove shim's vocabulary (README, "Groove-compatible endpoints"). */
function inGrooveTerms(answer: Expected): Expected {
  if (answer.code === 'AUTHENTICATION_REQUIRED') return { ...answer, code: 'INVALID_AUTHORIZATION_HEADER' };
  if (answer.item && answer.code === 'RESOURCE_NOT_FOUND') return { ...answer, code: 'COLLECTION_INVALID_ID' };
  return answer;
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
          all.push({ principal, operation: op.name, object, transport, expect: expected(principal, op, object, transport) });
        }
      }
    }
  }
  return all;
}
