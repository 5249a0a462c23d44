import {
  addTracksToCollection,
  moveSelectedTracksInCollection,
  moveTracksInCollection,
  removeTracksFromCollection,
  type CollectionEdit,
  type CollectionTrackResult,
} from '../domain/collection-edits.js';
import { BATCH_MAX_IDS } from '../domain/limits.js';
import { builder } from './builder.js';
import { Collection, IF_VERSION } from './collection.js';
import { viewerOf } from './context.js';
import { BATCH_ORGANIZATION, itemError, TrackActionError } from './library.js';

const CollectionTrackResultType = builder.objectRef<CollectionTrackResult>('CollectionTrackResult').implement({
  description:
    'The outcome of one track id of a batch edit of a collection, in input order: a success or its own error.',
  fields: (t) => ({
    inputId: t.exposeID('inputId', { description: 'The id as it was sent.' }),
    success: t.boolean({ resolve: (r) => r.ok }),
    position: t.int({
      nullable: true,
      description:
        'On success: for an add, the position the track now holds; for a remove, the one it held. Null on failure.',
      resolve: (r) => (r.ok ? r.position : null),
    }),
    error: t.field({ type: TrackActionError, nullable: true, resolve: (r) => (r.ok ? null : itemError(r.error)) }),
  }),
});

const CollectionTracksEdit = builder.objectRef<CollectionEdit>('CollectionTracksEdit').implement({
  description:
    'A batch edit of a collection: one transaction, one new version when anything changed (none when nothing did), and one result per id.',
  fields: (t) => ({
    collection: t.field({
      type: Collection,
      description: 'The collection after the edit.',
      resolve: (e) => e.collection,
    }),
    results: t.field({ type: [CollectionTrackResultType], resolve: (e) => e.results }),
  }),
});

const TRACK_IDS = `At most ${BATCH_MAX_IDS} track ids (more is VALIDATION_ERROR on track_ids); a repeated id reports its first occurrence's result.`;
const WHOLE =
  'The whole call fails, changing nothing, with RESOURCE_NOT_FOUND for a collection that is not yours and COLLECTION_CONCURRENT_UPDATE for a stale ifVersion.';

builder.mutationFields((t) => ({
  addTracksToCollection: t.field({
    type: CollectionTracksEdit,
    description:
      `Insert tracks you can see as one block at \`position\`, in the order given, in a collection you own; positions stay contiguous. ` +
      `Per id: RESOURCE_NOT_FOUND (unknown, deleted or not visible to you) or TRACK_ALREADY_IN_COLLECTION; the others are added. ` +
      `${WHOLE} A position past the track count is VALIDATION_ERROR.`,
    args: {
      organizationId: t.arg.id({ description: BATCH_ORGANIZATION }),
      collectionId: t.arg.id({ required: true }),
      trackIds: t.arg.idList({ required: true, description: TRACK_IDS }),
      position: t.arg.int({ description: 'Zero-based, 0 to the track count; omitted: the end.' }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => addTracksToCollection(ctx.deps, await viewerOf(ctx), args),
  }),
  removeTracksFromCollection: t.field({
    type: CollectionTracksEdit,
    description:
      `Remove tracks from a collection you own and close the gaps; the tracks themselves stay. ` +
      `Per id: RESOURCE_NOT_FOUND when the collection does not hold it; the others are removed. ${WHOLE}`,
    args: {
      organizationId: t.arg.id({ description: BATCH_ORGANIZATION }),
      collectionId: t.arg.id({ required: true }),
      trackIds: t.arg.idList({ required: true, description: TRACK_IDS }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => removeTracksFromCollection(ctx.deps, await viewerOf(ctx), args),
  }),
  moveTracksInCollection: t.field({
    type: Collection,
    description:
      'Move the `rangeLength` tracks from position `rangeStart` to just before position `insertBefore` (positions counted before the move; ' +
      "the track count for the end), as Spotify's playlist reorder does. A range or an insertion point past the end is INVALID_TRACK_MOVE; " +
      `an insertion point inside the range moves nothing and keeps the version. ${WHOLE}`,
    args: {
      organizationId: t.arg.id({ description: BATCH_ORGANIZATION }),
      collectionId: t.arg.id({ required: true }),
      rangeStart: t.arg.int({ required: true, description: 'The first position to move, from 0.' }),
      rangeLength: t.arg.int({ defaultValue: 1, description: 'How many tracks to move, at least 1.' }),
      insertBefore: t.arg.int({
        required: true,
        description: 'Where the range goes: before the track now at this position.',
      }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => moveTracksInCollection(ctx.deps, await viewerOf(ctx), args),
  }),
  moveSelectedTracksInCollection: t.field({
    type: Collection,
    description:
      'Move the listed tracks, as one block in the order listed, to just before `insertBeforeTrackId` (the end when omitted): a selection ' +
      "dropped before another track, as Groove's Move. A track named that the collection does not hold, or an insertBeforeTrackId among " +
      `those moved, is INVALID_TRACK_MOVE and nothing moves. ${WHOLE}`,
    args: {
      organizationId: t.arg.id({ description: BATCH_ORGANIZATION }),
      collectionId: t.arg.id({ required: true }),
      trackIds: t.arg.idList({
        required: true,
        description: `At most ${BATCH_MAX_IDS} track ids; a repeated id counts once.`,
      }),
      insertBeforeTrackId: t.arg.id({
        description: 'A track of the collection, not one of those moved; omitted: the end.',
      }),
      ifVersion: t.arg.int({ description: IF_VERSION }),
    },
    resolve: async (_root, args, ctx) => moveSelectedTracksInCollection(ctx.deps, await viewerOf(ctx), args),
  }),
}));
