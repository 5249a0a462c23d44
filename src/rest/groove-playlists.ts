import { DomainError, invalidField } from '../domain/errors.js';
import { GROOVE_BROWSE_PAGE } from '../domain/limits.js';
import { checkPlaylistName, checkTrackBatch } from '../domain/validation.js';
import { json } from '../wire/errors.js';
import { readJsonObject } from './handler.js';
import {
  checkNamespace,
  collectionIdOf,
  grooveTrackId,
  groovePlaylistId,
  invalidBody,
  ITEM_FIELDS,
  organizationOf,
  readAfterCaller,
  runOrThrow,
  someFailed,
  trackActionResult,
  trackIdOf,
  type GrooveCall,
  type GrooveEndpoint,
  type ItemResult,
  type TrackActionResult,
} from './groove-shared.js';

// Groove's playlists (shared/reference/groove.md §2.3–2.7) are the caller's collections:
// `music.playlist.<collection id>`. Create, update (rename; Add, Delete, Move track actions) and
// delete run createCollection, updateCollection, addTracksToCollection, removeTracksFromCollection,
// moveSelectedTracksInCollection and deleteCollection; browse runs the collections and collection
// queries. A track's id in a playlist is the track's own id (`music.mtrack_…`), so an Add's Id,
// or an Id from browsing the playlist, can be sent to Delete or Move as is.

type Action = 'add' | 'delete' | 'move';
/** Groove's pages name "add", "delete" and "remove"; its examples send Add, Delete and Move. */
const ACTIONS = new Map<string, Action>([
  ['add', 'add'],
  ['delete', 'delete'],
  ['remove', 'delete'],
  ['move', 'move'],
]);

interface TrackAction {
  /** As sent, for InputId. */
  id: string;
  action: Action;
}

function playlistIdOf(body: Record<string, unknown>): string {
  const id = body.Id;
  if (typeof id !== 'string' || id.trim() === '')
    throw invalidField('id', 'Id is required: the playlist to act on (music.playlist.…)');
  return collectionIdOf(id);
}

function nameOf(body: Record<string, unknown>, required: boolean): string | null {
  const name = body.Name;
  if (name === undefined || name === null) {
    if (required) throw invalidField('name', 'Name is required to create a playlist');
    return null;
  }
  if (typeof name !== 'string') throw invalidField('name', 'Name must be a string');
  return checkPlaylistName(name);
}

/** Accepted as Groove clients send it; playlists here are never published (share a collection instead). */
function checkPublished(body: Record<string, unknown>): void {
  const published = body.IsPublished;
  if (published !== undefined && published !== null && typeof published !== 'boolean')
    throw invalidBody('IsPublished must be true or false');
}

/** The version the client read (a playlist's CollectionStateToken), for ifVersion. */
function stateTokenOf(body: Record<string, unknown>): number | null {
  const token = body.CollectionStateToken;
  if (token === undefined || token === null) return null;
  if (typeof token !== 'string' || !/^\d{1,9}$/.test(token)) {
    throw invalidBody('CollectionStateToken must be the CollectionStateToken of a playlist as browsed');
  }
  return Number(token);
}

function trackActionsOf(body: Record<string, unknown>): TrackAction[] {
  const list = body.TrackActions;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalidBody('TrackActions must be an array of track actions');
  checkTrackBatch(list);
  return list.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw invalidBody(`TrackActions entry ${i + 1} must be an object with Id and Action`);
    const { Id: id, Action: action } = entry as Record<string, unknown>;
    if (typeof id !== 'string') throw invalidBody(`The Id of TrackActions entry ${i + 1} must be a track id`);
    const kind = typeof action === 'string' ? ACTIONS.get(action.toLowerCase()) : undefined;
    if (!kind) throw invalidBody(`The Action of TrackActions entry ${i + 1} must be Add, Delete or Move`);
    return { id, action: kind };
  });
}

const COLLECTION = 'id name version';
const CREATE = `mutation ($organizationId: ID, $name: String!) {
  createCollection(organizationId: $organizationId, input: { name: $name }) { ${COLLECTION} } }`;
const UPDATE = `mutation ($organizationId: ID, $collectionId: ID!, $input: UpdateCollectionInput!, $ifVersion: Int) {
  updateCollection(organizationId: $organizationId, collectionId: $collectionId, input: $input, ifVersion: $ifVersion) { ${COLLECTION} } }`;
const ADD = `mutation ($organizationId: ID, $collectionId: ID!, $trackIds: [ID!]!, $ifVersion: Int) {
  addTracksToCollection(organizationId: $organizationId, collectionId: $collectionId, trackIds: $trackIds, ifVersion: $ifVersion) {
    collection { ${COLLECTION} } results { ${ITEM_FIELDS} } } }`;
const REMOVE = `mutation ($organizationId: ID, $collectionId: ID!, $trackIds: [ID!]!, $ifVersion: Int) {
  removeTracksFromCollection(organizationId: $organizationId, collectionId: $collectionId, trackIds: $trackIds, ifVersion: $ifVersion) {
    collection { ${COLLECTION} } results { ${ITEM_FIELDS} } } }`;
const MOVE = `mutation ($organizationId: ID, $collectionId: ID!, $trackIds: [ID!]!, $insertBeforeTrackId: ID, $ifVersion: Int) {
  moveSelectedTracksInCollection(organizationId: $organizationId, collectionId: $collectionId, trackIds: $trackIds,
    insertBeforeTrackId: $insertBeforeTrackId, ifVersion: $ifVersion) { id } }`;
const DELETE = `mutation ($organizationId: ID, $collectionId: ID!) {
  deleteCollection(organizationId: $organizationId, collectionId: $collectionId) { id } }`;

interface Collection {
  id: string;
  name: string;
  version: number;
}
interface Edit {
  collection: Collection;
  results: ItemResult[];
}

const playlistResult = (c: Collection) => ({ Id: groovePlaylistId(c.id), Name: c.name, IsPublished: false });

async function create({ request, deps, run, match }: GrooveCall): Promise<Response> {
  checkNamespace(match[1]!);
  const input = await readAfterCaller(request, deps, run, async () => {
    const body = await readJsonObject(request);
    const name = nameOf(body, true)!;
    checkPublished(body);
    const actions = trackActionsOf(body);
    if (actions.some((a) => a.action !== 'add')) throw invalidBody('A new playlist takes only Add track actions');
    return { name, actions };
  });
  const organizationId = organizationOf(request);
  const created: Collection = (await runOrThrow(request, deps, run, CREATE, { organizationId, name: input.name }))
    .createCollection;
  if (input.actions.length === 0) return json({ PlaylistActionResult: playlistResult(created) }, 200);
  // The playlist exists from here on, as in Groove, whichever tracks fail.
  const added: Edit = (
    await runOrThrow(request, deps, run, ADD, {
      organizationId,
      collectionId: created.id,
      trackIds: input.actions.map((a) => trackIdOf(a.id)),
    })
  ).addTracksToCollection;
  const TrackActionResults = added.results.map((item, i) => trackActionResult(item, input.actions[i]!.id, true));
  return json(
    {
      PlaylistActionResult: { ...playlistResult(added.collection), TrackActionResults },
      ...someFailed(TrackActionResults),
    },
    200,
  );
}

async function update({ request, deps, run, match }: GrooveCall): Promise<Response> {
  checkNamespace(match[1]!);
  const input = await readAfterCaller(request, deps, run, async () => {
    const body = await readJsonObject(request);
    const collectionId = playlistIdOf(body);
    const name = nameOf(body, false);
    checkPublished(body);
    const ifVersion = stateTokenOf(body);
    const actions = trackActionsOf(body);
    const before = body.InsertBeforeTrackId;
    if (before !== undefined && before !== null && typeof before !== 'string')
      throw invalidBody('InsertBeforeTrackId must be a track id or null');
    const moves = actions.some((a) => a.action === 'move');
    if (moves && (actions.some((a) => a.action !== 'move') || name !== null)) {
      // One gesture, applied atomically: Groove's rule.
      throw new DomainError(
        'INVALID_TRACK_MOVE',
        'A Move request holds only Move track actions (no Add, Delete or Name)',
      );
    }
    return {
      collectionId,
      name,
      ifVersion,
      actions,
      moves,
      before: typeof before === 'string' ? trackIdOf(before) : null,
    };
  });
  const organizationId = organizationOf(request);
  const { collectionId, actions } = input;
  if (input.moves) {
    await runOrThrow(request, deps, run, MOVE, {
      organizationId,
      collectionId,
      trackIds: actions.map((a) => trackIdOf(a.id)),
      insertBeforeTrackId: input.before,
      ifVersion: input.ifVersion,
    });
    return json({ PlaylistActionResult: { Id: groovePlaylistId(collectionId) } }, 200);
  }

  // A rename, then the deletes, then the adds: each one operation (one transaction, one version).
  // With a CollectionStateToken each expects the version the one before it left, so no other
  // writer's change slips in between unnoticed.
  let ifVersion = input.ifVersion;
  let collection: Collection | null = null;
  const step = async (query: string, variables: Record<string, unknown>, field: string) => {
    const data = (
      await runOrThrow(request, deps, run, query, { organizationId, collectionId, ifVersion, ...variables })
    )[field];
    collection = 'collection' in data ? data.collection : data;
    if (ifVersion !== null) ifVersion = collection!.version;
    return data as Edit;
  };
  const deletes = actions.filter((a) => a.action === 'delete');
  const adds = actions.filter((a) => a.action === 'add');
  // Also a metadata-only update without a new name: it checks the playlist (and the token), and echoes it.
  if (input.name !== null || actions.length === 0)
    await step(UPDATE, { input: input.name !== null ? { name: input.name } : {} }, 'updateCollection');
  const removed = deletes.length
    ? (await step(REMOVE, { trackIds: deletes.map((a) => trackIdOf(a.id)) }, 'removeTracksFromCollection')).results
    : [];
  const added = adds.length
    ? (await step(ADD, { trackIds: adds.map((a) => trackIdOf(a.id)) }, 'addTracksToCollection')).results
    : [];
  const next = { delete: 0, add: 0 };
  const TrackActionResults: TrackActionResult[] = actions.map((a) => {
    const kind = a.action as 'add' | 'delete';
    const item = (kind === 'add' ? added : removed)[next[kind]++]!;
    return trackActionResult(item, a.id, kind === 'add');
  });
  const result = playlistResult(collection!);
  return json(
    actions.length
      ? { PlaylistActionResult: { ...result, TrackActionResults }, ...someFailed(TrackActionResults) }
      : { PlaylistActionResult: result },
    200,
  );
}

async function remove({ request, deps, run, match }: GrooveCall): Promise<Response> {
  checkNamespace(match[1]!);
  // Every member but Id is ignored, as in Groove.
  const collectionId = await readAfterCaller(request, deps, run, async () =>
    playlistIdOf(await readJsonObject(request)),
  );
  await runOrThrow(request, deps, run, DELETE, { organizationId: organizationOf(request), collectionId });
  return json({ PlaylistActionResult: { Id: groovePlaylistId(collectionId) } }, 200);
}

// Browse pages: `maxItems` (at most 25, more is taken as 25), zero-based `page`, or the
// `continuationToken` of the page before, which carries both.
interface BrowsePage {
  size: number;
  offset: number;
}
const MAX_OFFSET = 2 ** 31 - 1;
const tokenOf = (page: BrowsePage) =>
  Buffer.from(`${page.offset + page.size}.${page.size}`, 'utf8').toString('base64url');

function browsePage(query: URLSearchParams, orders: readonly string[]): BrowsePage {
  const token = query.get('continuationToken');
  if (token !== null) {
    const found = /^(\d{1,10})\.(\d{1,2})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    const [offset, size] = found ? [Number(found[1]), Number(found[2])] : [NaN, NaN];
    if (!(offset <= MAX_OFFSET && size >= 1 && size <= GROOVE_BROWSE_PAGE.maxSize)) {
      throw invalidField('continuation_token', 'continuationToken is not one this API handed out');
    }
    return { offset, size };
  }
  const orderBy = query.get('orderBy');
  if (orderBy !== null && !orders.some((o) => o.toLowerCase() === orderBy.toLowerCase())) {
    throw invalidField(
      'order_by',
      orders.length ? `orderBy must be ${orders.join(' or ')} here` : 'orderBy is not supported here',
    );
  }
  const whole = (name: string, least: number, fallback: number) => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    if (!/^\d{1,9}$/.test(raw) || Number(raw) < least)
      throw invalidField(name, `${name} must be an integer of at least ${least}`);
    return Number(raw);
  };
  const size = Math.min(whole('maxItems', 1, GROOVE_BROWSE_PAGE.defaultSize), GROOVE_BROWSE_PAGE.maxSize);
  const offset = whole('page', 0, 0) * size;
  if (offset > MAX_OFFSET) throw invalidField('page', 'page is too large');
  return { size, offset };
}

const LIST = `query ($organizationId: ID, $first: Int, $offset: Int) {
  collections(organizationId: $organizationId, first: $first, offset: $offset) {
    totalCount edges { node { id name trackCount version } } pageInfo { hasNextPage } } }`;
const TRACKS = `query ($organizationId: ID, $id: ID!, $first: Int, $offset: Int) {
  collection(organizationId: $organizationId, id: $id) {
    trackCount tracks(first: $first, offset: $offset) { edges { node { id title } } pageInfo { hasNextPage } } } }`;

/** A PaginatedList of Groove's. */
const paginated = (Items: unknown[], total: number, page: BrowsePage, more: boolean) => ({
  Items,
  TotalItemCount: total,
  ...(more ? { ContinuationToken: tokenOf(page) } : {}),
});

async function browsePlaylists({ request, url, deps, run, match }: GrooveCall): Promise<Response> {
  checkNamespace(match[1]!);
  // Playlists are ordered by creation, newest first: Groove's CollectionDate, its only order for them.
  const page = await readAfterCaller(request, deps, run, () => browsePage(url.searchParams, ['CollectionDate']));
  const { collections } = await runOrThrow(request, deps, run, LIST, {
    organizationId: organizationOf(request),
    first: page.size,
    offset: page.offset,
  });
  const Items = collections.edges.map(({ node }: { node: Collection & { trackCount: number } }) => ({
    Id: groovePlaylistId(node.id),
    Name: node.name,
    TrackCount: node.trackCount,
    Source: 'Collection',
    UserIsOwner: true,
    IsReadOnly: false,
    IsPublished: false,
    CollectionStateToken: String(node.version),
  }));
  return json({ Playlists: paginated(Items, collections.totalCount, page, collections.pageInfo.hasNextPage) }, 200);
}

const decoded = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

async function browsePlaylistTracks({ request, url, deps, run, match }: GrooveCall): Promise<Response> {
  // In playlist order; no other order is offered.
  const page = await readAfterCaller(request, deps, run, () => browsePage(url.searchParams, []));
  const { collection } = await runOrThrow(request, deps, run, TRACKS, {
    organizationId: organizationOf(request),
    id: collectionIdOf(decoded(match[1]!)),
    first: page.size,
    offset: page.offset,
  });
  const Items = collection.tracks.edges.map(({ node }: { node: { id: string; title: string } }) => ({
    Id: grooveTrackId(node.id),
    Name: node.title,
    Source: 'Collection',
  }));
  return json({ Tracks: paginated(Items, collection.trackCount, page, collection.tracks.pageInfo.hasNextPage) }, 200);
}

const action = (name: string, handle: GrooveEndpoint['handle']): GrooveEndpoint => ({
  method: 'POST',
  pattern: new RegExp(`^/1/content/([^/]+)/collection/playlists/${name}/?$`),
  route: `/1/content/:namespace/collection/playlists/${name}`,
  handle,
});

export const playlistEndpoints: GrooveEndpoint[] = [
  action('create', create),
  action('update', update),
  action('delete', remove),
  {
    method: 'GET',
    pattern: /^\/1\/content\/([^/]+)\/collection\/playlists\/browse\/?$/,
    route: '/1/content/:namespace/collection/playlists/browse',
    handle: browsePlaylists,
  },
  {
    // §2.7's sub-item browse, for a collection playlist's tracks: /1/content/{id}/collection/Playlist/Tracks/browse.
    method: 'GET',
    pattern: /^\/1\/content\/([^/]+)\/collection\/playlist\/tracks\/browse\/?$/i,
    route: '/1/content/:id/collection/playlist/tracks/browse',
    handle: browsePlaylistTracks,
  },
];
