import { READ_COLLECTION_TRACKS, PAGE_COLLECTION_SIZE, type Principal, type World } from './seed.js';

/** How a target is spoken to: the REST routes, or GraphQL documents at /graphql. */
export type Surface = 'rest' | 'graphql';

export interface HttpCall {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: string;
  headers: Record<string, string>;
}

/** Checks one response body; returns what is wrong, or null. */
export type Check = (status: number, body: string) => string | null;

export interface Sample {
  call: HttpCall;
  check: Check;
}

export interface Operation {
  name: string;
  /** Consuming operations use item k once; the pool bounds k. */
  consumes: boolean;
  rest(world: World, k: number): Sample;
  graphql(world: World, k: number): Sample;
}

const PAGE = 50;
const NESTED_TRACKS = 10;

function headers(who: Principal, json: boolean): Record<string, string> {
  return json ? { 'x-api-key': who.key, 'content-type': 'application/json' } : { 'x-api-key': who.key };
}

function parse(body: string): any {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const rest = (
  who: Principal,
  method: HttpCall['method'],
  path: string,
  check: (b: any) => boolean,
  body?: unknown,
  status = 200,
): Sample => ({
  call: {
    method,
    path,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: headers(who, body !== undefined),
  },
  check: (s, text) => {
    if (s !== status) return `status ${s}, expected ${status}: ${text.slice(0, 300)}`;
    return check(parse(text)) ? null : `unexpected body: ${text.slice(0, 300)}`;
  },
});

const gql = (
  who: Principal,
  query: string,
  variables: Record<string, unknown>,
  check: (data: any) => boolean,
): Sample => ({
  call: { method: 'POST', path: '/graphql', body: JSON.stringify({ query, variables }), headers: headers(who, true) },
  check: (s, text) => {
    if (s !== 200) return `status ${s}: ${text.slice(0, 300)}`;
    const parsed = parse(text);
    if (!parsed || parsed.errors || !parsed.data) return `errors: ${text.slice(0, 300)}`;
    return check(parsed.data) ? null : `unexpected data: ${text.slice(0, 300)}`;
  },
});

const isAck = (b: any, id: string) => b?.success === true && b.id === id && typeof b.detail === 'string';

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

// add: pairs (collection k mod 200, track ⌊k/200⌋): 400,000 distinct appends before repeats.
const addPair = (w: World, k: number) => ({
  collectionId: pick(w.writerCollections, k),
  trackId: pick(w.writerTracks, Math.floor(k / w.writerCollections.length)),
});

// remove: every remover collection holds every remover track; each collection loses its first
// entry in turn, so each remove closes a real gap until the pool (1000 × 50) is spent.
const removePair = (w: World, k: number) => ({
  collectionId: pick(w.removerCollections, k),
  trackId: pick(w.removerTracks, Math.floor(k / w.removerCollections.length)),
});

export const NESTED_QUERY = `query Page($org: ID!, $first: Int!, $tracks: Int!) {
  collections(organizationId: $org, first: $first) {
    edges { cursor node { id name trackCount coverTrack { id title } tracks(first: $tracks) { edges { position node { id title } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const checkNestedData = (data: any, size: number, tracks: number): boolean => {
  const edges = data?.collections?.edges;
  if (!Array.isArray(edges) || edges.length !== size) return false;
  return edges.every((e: any) => e.node.coverTrack?.id && e.node.tracks.edges.length === tracks);
};

export const operations: Operation[] = [
  {
    name: 'createCollection',
    consumes: false,
    rest: (w, k) => {
      const name = `Bench ${k}`;
      return rest(
        w.writer,
        'POST',
        `/v1/music/${w.org}/collections`,
        (b) => b?.name === name && b.id?.startsWith('mcoll_'),
        { name },
        201,
      );
    },
    graphql: (w, k) => {
      const name = `Bench ${k}`;
      return gql(
        w.writer,
        'mutation ($org: ID!, $input: CreateCollectionInput!) { createCollection(organizationId: $org, input: $input) { id name trackCount version } }',
        { org: w.org, input: { name } },
        (d) => d.createCollection?.name === name && d.createCollection.id.startsWith('mcoll_'),
      );
    },
  },
  {
    name: 'addTrackToCollection',
    consumes: false,
    rest: (w, k) => {
      const { collectionId, trackId } = addPair(w, k);
      return rest(w.writer, 'POST', `/v1/music/${w.org}/collections/${collectionId}/tracks`, (b) => isAck(b, trackId), {
        track_id: trackId,
      });
    },
    graphql: (w, k) => {
      const { collectionId, trackId } = addPair(w, k);
      return gql(
        w.writer,
        'mutation ($org: ID!, $c: ID!, $t: ID!) { addTrackToCollection(organizationId: $org, collectionId: $c, trackId: $t) { success id detail } }',
        { org: w.org, c: collectionId, t: trackId },
        (d) => isAck(d.addTrackToCollection, trackId),
      );
    },
  },
  {
    name: 'removeTrackFromCollection',
    consumes: true,
    rest: (w, k) => {
      const { collectionId, trackId } = removePair(w, k);
      return rest(w.remover, 'DELETE', `/v1/music/${w.org}/collections/${collectionId}/tracks/${trackId}`, (b) =>
        isAck(b, trackId),
      );
    },
    graphql: (w, k) => {
      const { collectionId, trackId } = removePair(w, k);
      return gql(
        w.remover,
        'mutation ($org: ID!, $c: ID!, $t: ID!) { removeTrackFromCollection(organizationId: $org, collectionId: $c, trackId: $t) { success id detail } }',
        { org: w.org, c: collectionId, t: trackId },
        (d) => isAck(d.removeTrackFromCollection, trackId),
      );
    },
  },
  {
    name: 'deleteCollection',
    consumes: true,
    rest: (w, k) => {
      const id = w.deletableCollections[k]!;
      return rest(w.deleter, 'DELETE', `/v1/music/${w.org}/collections/${id}`, (b) => isAck(b, id));
    },
    graphql: (w, k) => {
      const id = w.deletableCollections[k]!;
      return gql(
        w.deleter,
        'mutation ($org: ID!, $c: ID!) { deleteCollection(organizationId: $org, collectionId: $c) { success id detail } }',
        { org: w.org, c: id },
        (d) => isAck(d.deleteCollection, id),
      );
    },
  },
  {
    name: 'deleteTrack',
    consumes: true,
    rest: (w, k) => {
      const id = w.deletableTracks[k]!;
      return rest(w.trackDeleter, 'DELETE', `/v1/music/${w.org}/tracks/${id}`, (b) => isAck(b, id));
    },
    graphql: (w, k) => {
      const id = w.deletableTracks[k]!;
      return gql(
        w.trackDeleter,
        'mutation ($org: ID!, $t: ID!) { deleteTrack(organizationId: $org, trackId: $t) { success id detail } }',
        { org: w.org, t: id },
        (d) => isAck(d.deleteTrack, id),
      );
    },
  },
  {
    name: 'getCollection',
    consumes: false,
    rest: (w, k) => {
      const id = pick(w.readCollections, k);
      return rest(
        w.reader,
        'GET',
        `/v1/music/${w.org}/collections/${id}`,
        (b) => b?.id === id && b.track_count === READ_COLLECTION_TRACKS,
      );
    },
    graphql: (w, k) => {
      const id = pick(w.readCollections, k);
      return gql(
        w.reader,
        'query ($org: ID!, $id: ID!) { collection(organizationId: $org, id: $id) { id name description coverTrackId coverImageUrl trackCount createdAt updatedAt version } }',
        { org: w.org, id },
        (d) => d.collection?.id === id && d.collection.trackCount === READ_COLLECTION_TRACKS,
      );
    },
  },
  {
    // REST lists collections without their tracks (the route's documented body); GraphQL asks
    // for the nested page, and is compared with the limit's hand-written nested page.
    name: 'listCollections',
    consumes: false,
    rest: (w) =>
      rest(
        w.reader,
        'GET',
        `/v1/music/${w.org}/collections?limit=${PAGE}`,
        (b) => b?.items?.length === PAGE && b.items[0].track_count === null,
      ),
    graphql: (w) =>
      gql(w.reader, NESTED_QUERY, { org: w.org, first: PAGE, tracks: NESTED_TRACKS }, (d) =>
        checkNestedData(d, PAGE, NESTED_TRACKS),
      ),
  },
  {
    name: 'collectionTracksPage',
    consumes: false,
    rest: (w, k) => {
      const offset = (k * PAGE) % PAGE_COLLECTION_SIZE;
      return rest(
        w.reader,
        'GET',
        `/v1/music/${w.org}/collections/${w.pageCollection}/tracks?limit=${PAGE}&offset=${offset}`,
        (b) => b?.items?.length === PAGE && b.items[0].position === offset,
      );
    },
    graphql: (w, k) => {
      const offset = (k * PAGE) % PAGE_COLLECTION_SIZE;
      return gql(
        w.reader,
        'query ($org: ID!, $id: ID!, $first: Int, $offset: Int) { collection(organizationId: $org, id: $id) { id version tracks(first: $first, offset: $offset) { edges { position addedAt node { id } } } } }',
        { org: w.org, id: w.pageCollection, first: PAGE, offset },
        (d) => d.collection?.tracks.edges.length === PAGE && d.collection.tracks.edges[0].position === offset,
      );
    },
  },
];

/** The limit's bench-only nested page: the same data as NESTED_QUERY, hand-built. */
export function limitNested(w: World): Sample {
  return {
    call: {
      method: 'GET',
      path: `/bench/${w.org}/collections-nested?first=${PAGE}&tracks=${NESTED_TRACKS}`,
      headers: headers(w.reader, false),
    },
    check: (s, text) => {
      if (s !== 200) return `status ${s}: ${text.slice(0, 300)}`;
      return checkNestedData(parse(text)?.data, PAGE, NESTED_TRACKS) ? null : `unexpected body: ${text.slice(0, 300)}`;
    },
  };
}
