import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import {
  addTrackToCollection,
  createCollection,
  deleteCollection,
  entryRange,
  getCollection,
  listCollections,
  loadEntryRanges,
  removeTrackFromCollection,
  reorderCollection,
  updateCollection,
  type CollectionRow,
  type EntryRow,
} from '../domain/collections.js';
import {
  COLLECTION_TRACKS_PAGE,
  COLLECTIONS_PAGE,
  DESCRIPTION_MAX,
  NAME_MAX,
  REORDER_MAX_IDS,
  URL_MAX,
} from '../domain/limits.js';
import { encodeCursor } from '../domain/pagination.js';
import type { TrackRow } from '../domain/tracks.js';
import { ack, MutationAck } from './ack.js';
import { builder } from './builder.js';
import { connectionType, pageSizes, toConnection } from './connection.js';
import { viewerOf, type GraphQLContext } from './context.js';
import { DateTime } from './scalars.js';
import { BATCH_ORGANIZATION } from './library.js';
import { Track } from './track.js';

interface EntryRangeKey {
  collectionId: string;
  start: number;
  end: number;
}

// One loader per request: every collection on a page asks for its entries, and they are
// fetched together.
const entryLoader = createContextCache(
  (ctx: GraphQLContext) =>
    new DataLoader<EntryRangeKey, EntryRow[], string>((keys) => loadEntryRanges(ctx.deps, keys), {
      cacheKeyFn: (k) => `${k.collectionId}:${k.start}:${k.end}`,
    }),
);

interface CollectionTrackEdgeShape {
  cursor: string;
  node: TrackRow;
  position: number;
  addedAt: number;
}

const CollectionTrackEdge = builder.objectRef<CollectionTrackEdgeShape>('CollectionTrackEdge').implement({
  description: 'A track at one position of a collection.',
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: Track, resolve: (edge) => edge.node }),
    position: t.exposeInt('position', { description: 'Zero-based; positions are contiguous.' }),
    addedAt: t.field({ type: DateTime, resolve: (edge) => edge.addedAt }),
  }),
});

const CollectionTrackConnection = connectionType(
  'CollectionTrackConnection',
  CollectionTrackEdge,
  'The tracks of a collection in position order.',
);

export const Collection = builder.objectRef<CollectionRow>('Collection');

builder.node(Collection, {
  description: 'An ordered grouping of tracks owned by one user.',
  id: { resolve: (c) => c.id },
  isTypeOf: (value) =>
    typeof (value as CollectionRow).id === 'string' && (value as CollectionRow).id.startsWith('mcoll_'),
  fields: (t) => ({
    organizationId: t.exposeID('organizationId'),
    ownerId: t.exposeID('ownerId'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    coverTrackId: t.exposeID('coverTrackId', { nullable: true }),
    coverTrack: t.field({ type: Track, nullable: true, resolve: (c) => c.coverTrackId }),
    coverImageUrl: t.exposeString('coverImageUrl', { nullable: true }),
    trackCount: t.exposeInt('trackCount'),
    version: t.exposeInt('version', { description: 'Changes whenever the collection or its entries change.' }),
    createdAt: t.field({ type: DateTime, resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: DateTime, resolve: (c) => c.updatedAt }),
    tracks: t.field({
      type: CollectionTrackConnection,
      description: `Tracks in position order. A cursor is a position; offset starts at a position. ${pageSizes(COLLECTION_TRACKS_PAGE)}`,
      args: { ...t.arg.connectionArgs(), offset: t.arg.int() },
      resolve: async (collection, args, ctx) => {
        const range = entryRange(collection, args);
        const entries = await entryLoader(ctx).load({
          collectionId: collection.id,
          start: range.start,
          end: range.end,
        });
        const tracks = await Track.getDataloader(ctx).loadMany(entries.map((e) => e.trackId));
        const items = entries.map((entry, i) => {
          const track = tracks[i];
          if (track === undefined || track instanceof Error) throw track ?? new Error('track not loaded');
          return { entry, track };
        });
        return toConnection({ ...range, items }, ({ entry, track }) => ({
          cursor: encodeCursor(entry.position),
          node: track,
          position: entry.position,
          addedAt: entry.addedAt,
        }));
      },
    }),
  }),
});

const CollectionEdge = builder.objectRef<{ cursor: string; node: CollectionRow }>('CollectionEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: Collection, resolve: (edge) => edge.node }),
  }),
});

const CollectionConnection = connectionType('CollectionConnection', CollectionEdge, 'Your collections, newest first.');

// The count is read only when a client selects it.
const totals = new WeakMap<object, () => Promise<number>>();
builder.objectField(CollectionConnection, 'totalCount', (t) =>
  t.int({
    description: 'How many collections you have in the organization, on every page.',
    resolve: (c) => totals.get(c)!(),
  }),
);

const CreateCollectionInput = builder.inputType('CreateCollectionInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: `1 to ${NAME_MAX} characters (Unicode code points), not blank.` }),
    description: t.string({ description: `Free text, at most ${DESCRIPTION_MAX} characters.` }),
    coverTrackId: t.id({ description: 'A live track of the same organization that you can see.' }),
    coverImageUrl: t.string({ description: `An http(s) URL of at most ${URL_MAX} characters.` }),
  }),
});

const UpdateCollectionInput = builder.inputType('UpdateCollectionInput', {
  description: 'Only the fields you send change; null clears description, coverTrackId and coverImageUrl.',
  fields: (t) => ({
    name: t.string({ description: `1 to ${NAME_MAX} characters, not blank; cannot be cleared.` }),
    description: t.string(),
    coverTrackId: t.id(),
    coverImageUrl: t.string(),
  }),
});

export const IF_VERSION =
  'The collection version you expect; on a mismatch nothing changes (COLLECTION_CONCURRENT_UPDATE).';
// Groove clients name no organization; the fields they reach through it may leave it out.
const ORGANIZATION = BATCH_ORGANIZATION;

builder.queryFields((t) => ({
  collection: t.field({
    type: Collection,
    description: 'One of your collections.',
    args: { organizationId: t.arg.id({ description: ORGANIZATION }), id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      getCollection(ctx.deps, await viewerOf(ctx), { organizationId: args.organizationId, collectionId: args.id }),
  }),
  collections: t.field({
    type: CollectionConnection,
    description: `Your collections in an organization, newest first. ${pageSizes(COLLECTIONS_PAGE)}`,
    args: {
      organizationId: t.arg.id({ description: ORGANIZATION }),
      ...t.arg.connectionArgs(),
      offset: t.arg.int({ description: 'Skip this many collections (for offset clients; prefer cursors).' }),
    },
    resolve: async (_root, args, ctx) => {
      const page = await listCollections(ctx.deps, await viewerOf(ctx), {
        organizationId: args.organizationId,
        page: args,
      });
      const connection = toConnection(page, (row) => ({ cursor: encodeCursor(row.seq), node: row }));
      totals.set(connection, page.count);
      return connection;
    },
  }),
}));

builder.mutationFields((t) => ({
  createCollection: t.field({
    type: Collection,
    description: 'Create an empty collection. Needs USE_MUSIC_GENERATION.',
    args: {
      organizationId: t.arg.id({ description: ORGANIZATION }),
      input: t.arg({ type: CreateCollectionInput, required: true }),
    },
    resolve: async (_root, args, ctx) =>
      createCollection(ctx.deps, await viewerOf(ctx), { ...args.input, organizationId: args.organizationId }),
  }),
  deleteCollection: t.field({
    type: MutationAck,
    description: 'Soft-delete a collection you own; its tracks are untouched.',
    args: {
      organizationId: t.arg.id({ description: ORGANIZATION }),
      collectionId: t.arg.id({ required: true }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => {
      await deleteCollection(ctx.deps, await viewerOf(ctx), args);
      return ack(args.collectionId, 'Collection deleted.');
    },
  }),
  addTrackToCollection: t.field({
    type: MutationAck,
    description: 'Append a track you can see to the end of a collection you own. Idempotent.',
    args: {
      organizationId: t.arg.id({ required: true }),
      collectionId: t.arg.id({ required: true }),
      trackId: t.arg.id({ required: true }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => {
      await addTrackToCollection(ctx.deps, await viewerOf(ctx), args);
      return ack(args.trackId, 'Track added to collection.');
    },
  }),
  removeTrackFromCollection: t.field({
    type: MutationAck,
    description: 'Remove a track from a collection you own. Idempotent; the track itself stays.',
    args: {
      organizationId: t.arg.id({ required: true }),
      collectionId: t.arg.id({ required: true }),
      trackId: t.arg.id({ required: true }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => {
      await removeTrackFromCollection(ctx.deps, await viewerOf(ctx), args);
      return ack(args.trackId, 'Track removed from collection.');
    },
  }),
  updateCollection: t.field({
    type: Collection,
    description: 'Change some fields of a collection you own.',
    args: {
      organizationId: t.arg.id({ description: ORGANIZATION }),
      collectionId: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateCollectionInput, required: true }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) =>
      updateCollection(ctx.deps, await viewerOf(ctx), { ...args, patch: args.input }),
  }),
  reorderCollection: t.field({
    type: MutationAck,
    description: `Listed tracks (at most ${REORDER_MAX_IDS}, no duplicates) take the positions of their indexes; unknown ids are ignored; the rest keep their order after them.`,
    args: {
      organizationId: t.arg.id({ required: true }),
      collectionId: t.arg.id({ required: true }),
      orderedTrackIds: t.arg.idList({ required: true }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => {
      await reorderCollection(ctx.deps, await viewerOf(ctx), args);
      return ack(args.collectionId, 'Collection reordered.');
    },
  }),
}));
