// The tenant-isolation matrix as data: who (principal) does what (operation) to which object,
// over which transport, and what must come back. test/isolation.test.ts runs one test per cell;
// `npx tsx test/isolation/print.ts` prints the table as JSON.

export const principals = ['none', 'malformed_key', 'revoked_key', 'owner', 'member', 'no_capability', 'other_org'] as const;
export type Principal = (typeof principals)[number];

/** Objects, seen from the owner (alice): hers, a same-organization member's, another organization's, … */
export const objects = ['own', 'same_org_other', 'other_org', 'nonexistent', 'deleted'] as const;
export type ObjectKind = (typeof objects)[number];

export const transports = ['rest', 'graphql', 'graphql_aliased', 'node'] as const;
export type Transport = (typeof transports)[number];

export type Target = 'collection' | 'track' | 'share' | null;

export interface Operation {
  name: string;
  /** What the object axis varies; null for operations on no single object (lists, creates). */
  target: Target;
  /** Needs USE_MUSIC_GENERATION. */
  capability?: boolean;
  /** Who may act on a visible object: the owner of a collection / creator of a track / link. */
  rule: 'owner' | 'visible' | 'creator' | 'creator_403' | 'none';
  /** Repeating it succeeds again (so aliased success cells expect two successes). */
  idempotent: boolean;
  rest: {
    method: string;
    path: (org: string, id: string, ids: SeedIds) => string;
    body?: (ids: SeedIds, id: string) => unknown;
    status: number;
  };
  graphql: { field: string; args: (org: string, id: string, ids: SeedIds) => string; selection: string };
  /** node(id) applies to reads of one object. */
  node?: boolean;
}

/** The acting principal's own collection and track (operations that need a second object use them). */
export interface SeedIds {
  ownCollection: string;
  ownTrack: string;
}

const q = JSON.stringify;

export const operations: Operation[] = [
  {
    name: 'list collections',
    target: null,
    rule: 'none',
    idempotent: true,
    rest: { method: 'GET', path: (o) => `/v1/music/${o}/collections`, status: 200 },
    graphql: { field: 'collections', args: (o) => `organizationId: ${q(o)}`, selection: '{ edges { node { id } } }' },
  },
  {
    name: 'create collection',
    target: null,
    capability: true,
    rule: 'none',
    idempotent: true,
    rest: { method: 'POST', path: (o) => `/v1/music/${o}/collections`, body: () => ({ name: 'new' }), status: 201 },
    graphql: { field: 'createCollection', args: (o) => `organizationId: ${q(o)}, input: { name: "new" }`, selection: '{ id }' },
  },
  {
    name: 'get collection',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    node: true,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/collections/${id}`, status: 200 },
    graphql: { field: 'collection', args: (o, id) => `organizationId: ${q(o)}, id: ${q(id)}`, selection: '{ id }' },
  },
  {
    name: 'update collection',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    rest: { method: 'PATCH', path: (o, id) => `/v1/music/${o}/collections/${id}`, body: () => ({ name: 'renamed' }), status: 200 },
    graphql: {
      field: 'updateCollection',
      args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}, input: { name: "renamed" }`,
      selection: '{ id }',
    },
  },
  {
    name: 'delete collection',
    target: 'collection',
    rule: 'owner',
    idempotent: false,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/collections/${id}`, status: 200 },
    graphql: { field: 'deleteCollection', args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`, selection: '{ id }' },
  },
  {
    name: 'add own track to collection',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    rest: {
      method: 'POST',
      path: (o, id) => `/v1/music/${o}/collections/${id}/tracks`,
      body: (ids) => ({ track_id: ids.ownTrack }),
      status: 200,
    },
    graphql: {
      field: 'addTrackToCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, trackId: ${q(ids.ownTrack)}`,
      selection: '{ id }',
    },
  },
  {
    name: 'add track to own collection',
    target: 'track',
    rule: 'visible',
    idempotent: true,
    rest: {
      method: 'POST',
      path: (o, _id, ids) => `/v1/music/${o}/collections/${ids.ownCollection}/tracks`,
      body: (_ids, id) => ({ track_id: id }),
      status: 200,
    },
    graphql: {
      field: 'addTrackToCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(ids.ownCollection)}, trackId: ${q(id)}`,
      selection: '{ id }',
    },
  },
  {
    name: 'remove track from collection',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    rest: {
      method: 'DELETE',
      path: (o, id, ids) => `/v1/music/${o}/collections/${id}/tracks/${ids.ownTrack}`,
      status: 200,
    },
    graphql: {
      field: 'removeTrackFromCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, trackId: ${q(ids.ownTrack)}`,
      selection: '{ id }',
    },
  },
  {
    name: 'list collection tracks',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/collections/${id}/tracks`, status: 200 },
    graphql: {
      field: 'collection',
      args: (o, id) => `organizationId: ${q(o)}, id: ${q(id)}`,
      selection: '{ tracks { edges { node { id } } } }',
    },
  },
  {
    name: 'reorder collection',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    rest: {
      method: 'PATCH',
      path: (o, id) => `/v1/music/${o}/collections/${id}/order`,
      body: (ids) => ({ ordered_track_ids: [ids.ownTrack] }),
      status: 200,
    },
    graphql: {
      field: 'reorderCollection',
      args: (o, id, ids) => `organizationId: ${q(o)}, collectionId: ${q(id)}, orderedTrackIds: [${q(ids.ownTrack)}]`,
      selection: '{ id }',
    },
  },
  {
    name: 'share collection',
    target: 'collection',
    rule: 'owner',
    idempotent: true,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/collections/${id}/share`, status: 201 },
    graphql: { field: 'shareCollection', args: (o, id) => `organizationId: ${q(o)}, collectionId: ${q(id)}`, selection: '{ id }' },
  },
  {
    name: 'list library',
    target: null,
    rule: 'none',
    idempotent: true,
    rest: { method: 'GET', path: (o) => `/v1/music/${o}/tracks`, status: 200 },
    graphql: { field: 'tracks', args: (o) => `organizationId: ${q(o)}`, selection: '{ edges { node { id } } }' },
  },
  {
    name: 'create track',
    target: null,
    capability: true,
    rule: 'none',
    idempotent: true,
    rest: { method: 'POST', path: (o) => `/v1/music/${o}/tracks`, body: () => ({ title: 'new' }), status: 201 },
    graphql: { field: 'createTrack', args: (o) => `organizationId: ${q(o)}, input: { title: "new" }`, selection: '{ id }' },
  },
  {
    name: 'get track',
    target: 'track',
    rule: 'visible',
    idempotent: true,
    node: true,
    rest: { method: 'GET', path: (o, id) => `/v1/music/${o}/tracks/${id}`, status: 200 },
    graphql: { field: 'track', args: (o, id) => `organizationId: ${q(o)}, id: ${q(id)}`, selection: '{ id }' },
  },
  {
    name: 'delete track',
    target: 'track',
    rule: 'creator_403',
    idempotent: false,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/tracks/${id}`, status: 200 },
    graphql: { field: 'deleteTrack', args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`, selection: '{ id }' },
  },
  {
    name: 'share track',
    target: 'track',
    rule: 'creator',
    idempotent: true,
    rest: { method: 'POST', path: (o, id) => `/v1/music/${o}/tracks/${id}/share`, status: 201 },
    graphql: { field: 'shareTrack', args: (o, id) => `organizationId: ${q(o)}, trackId: ${q(id)}`, selection: '{ id }' },
  },
  {
    name: 'revoke share',
    target: 'share',
    rule: 'creator',
    idempotent: true,
    rest: { method: 'DELETE', path: (o, id) => `/v1/music/${o}/share/${id}`, status: 200 },
    graphql: { field: 'revokeShare', args: (o, id) => `organizationId: ${q(o)}, shareId: ${q(id)}`, selection: '{ id }' },
  },
];

export interface Expected {
  /** HTTP status on REST; the GraphQL error's extensions.status. */
  status: number;
  code: string | null;
  /** The `details` key naming the object on a 404. */
  detail?: 'collection_id' | 'track_id' | 'share_id';
}

const detailKey = { collection: 'collection_id', track: 'track_id', share: 'share_id' } as const;

/** The policy, written independently of the product: what each cell must answer. */
export function expected(principal: Principal, op: Operation, object: ObjectKind | null, transport: Transport): Expected {
  if (principal === 'none' || principal === 'malformed_key' || principal === 'revoked_key') {
    return { status: 401, code: 'AUTHENTICATION_REQUIRED' };
  }
  // node(id) names no organization: the other organization's member meets the not-found answer
  // for everything but their own object.
  if (principal === 'other_org' && transport !== 'node') return { status: 403, code: 'ORGANIZATION_ACCESS_DENIED' };
  if (op.capability && principal === 'no_capability') return { status: 403, code: 'INSUFFICIENT_PERMISSIONS' };
  if (op.target === null || object === null) return { status: op.rest.status, code: null };
  // Objects are seen from the owner. The member (bob) owns the "same_org_other" ones; the
  // member without capability owns nothing and sees nothing of the others.
  const mine =
    (principal === 'owner' && object === 'own') ||
    (principal === 'member' && object === 'same_org_other') ||
    (principal === 'other_org' && object === 'other_org') ||
    // Revoking a revoked link of one's own is an idempotent success.
    (op.target === 'share' && principal === 'owner' && object === 'deleted');
  const notFound: Expected = { status: 404, code: 'RESOURCE_NOT_FOUND', detail: detailKey[op.target] };
  if (mine) return { status: op.rest.status, code: null };
  return notFound;
}

export interface Cell {
  principal: Principal;
  operation: string;
  object: ObjectKind | null;
  transport: Transport;
  expect: Expected;
}

export function cells(): Cell[] {
  const all: Cell[] = [];
  for (const op of operations) {
    const objectAxis: (ObjectKind | null)[] = op.target === null ? [null] : [...objects];
    const opTransports = transports.filter((t) => t !== 'node' || op.node);
    for (const principal of principals) {
      for (const object of objectAxis) {
        for (const transport of opTransports) {
          all.push({ principal, operation: op.name, object, transport, expect: expected(principal, op, object, transport) });
        }
      }
    }
  }
  return all;
}
