import { trackNotFound } from '../domain/errors.js';
import {
  DEFAULT_ENGINE,
  DEFAULT_MODE,
  LIBRARY_PAGE,
  MAX_DURATION_SECONDS,
  NAME_MAX,
  trackModes,
  URL_MAX,
} from '../domain/limits.js';
import { encodeCursor } from '../domain/pagination.js';
import { listLibrary } from '../domain/library.js';
import { createTrack, deleteTrack, getTrack, loadLiveTracks, type TrackRow } from '../domain/tracks.js';
import { ack, MutationAck } from './ack.js';
import { builder } from './builder.js';
import { connectionType, pageSizes, toConnection } from './connection.js';
import { viewerOf } from './context.js';
import { LibrarySource } from './library-entry.js';
import { DateTime } from './scalars.js';

export const Track = builder.loadableNodeRef<TrackRow, string, string, string, TrackRow>('Track', {
  id: { resolve: (track) => track.id },
  load: async (ids: string[], ctx) => {
    const found = await loadLiveTracks(ctx.deps, ids);
    return ids.map((id): TrackRow | Error => found.get(id) ?? trackNotFound(id));
  },
});

Track.implement({
  isTypeOf: (value) => typeof (value as TrackRow).id === 'string' && (value as TrackRow).id.startsWith('mtrack_'),
  description: 'A piece of music created by a member of an organization.',
  fields: (t) => ({
    organizationId: t.exposeID('organizationId'),
    creatorId: t.exposeID('creatorId', { description: 'The user who created the track.' }),
    title: t.exposeString('title'),
    durationSeconds: t.exposeFloat('durationSeconds', { nullable: true }),
    instrumental: t.exposeBoolean('instrumental'),
    audioUrl: t.exposeString('audioUrl', { nullable: true }),
    artworkUrl: t.exposeString('artworkUrl', { nullable: true }),
    mode: t.exposeString('mode', { description: `The generation mode: ${trackModes.join(' or ')}.` }),
    engine: t.exposeString('engine', { description: 'The engine key that produced the track.' }),
    createdAt: t.field({ type: DateTime, resolve: (track) => track.createdAt }),
    updatedAt: t.field({ type: DateTime, resolve: (track) => track.updatedAt }),
  }),
});

interface LibraryEdgeShape {
  cursor: string;
  node: TrackRow;
  libraryEntryId: string;
  source: 'own' | 'shared';
  savedAt: number;
}

const LibraryEdge = builder.objectRef<LibraryEdgeShape>('LibraryEdge').implement({
  description: 'A track in the viewer library, with when and how it got there.',
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: Track, resolve: (edge) => edge.node }),
    libraryEntryId: t.exposeID('libraryEntryId', { description: 'The library entry (mlib_) id.' }),
    source: t.field({ type: LibrarySource, resolve: (edge) => edge.source }),
    savedAt: t.field({ type: DateTime, resolve: (edge) => edge.savedAt }),
  }),
});

const LibraryConnection = connectionType('LibraryConnection', LibraryEdge, 'A page of the viewer library.');

const CreateTrackInput = builder.inputType('CreateTrackInput', {
  fields: (t) => ({
    title: t.string({ required: true, description: `1 to ${NAME_MAX} characters, not blank.` }),
    durationSeconds: t.float({ description: `Length in seconds, 0 to ${MAX_DURATION_SECONDS}.` }),
    instrumental: t.boolean({ description: 'Defaults to false.' }),
    audioUrl: t.string({ description: `An http(s) URL of at most ${URL_MAX} characters.` }),
    artworkUrl: t.string({ description: `An http(s) URL of at most ${URL_MAX} characters.` }),
    mode: t.string({ description: `One of ${trackModes.join(', ')}; defaults to ${DEFAULT_MODE}.` }),
    engine: t.string({ description: `Engine key; defaults to ${DEFAULT_ENGINE}.` }),
  }),
});

builder.queryFields((t) => ({
  track: t.field({
    type: Track,
    description: 'A track you created or saved.',
    args: { organizationId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) =>
      getTrack(ctx.deps, await viewerOf(ctx), { organizationId: args.organizationId, trackId: args.id }),
  }),
  tracks: t.field({
    type: LibraryConnection,
    description: `Your library in an organization: tracks you created or saved, newest save first. ${pageSizes(LIBRARY_PAGE)}`,
    args: {
      organizationId: t.arg.id({ required: true }),
      ...t.arg.connectionArgs(),
      offset: t.arg.int({ description: 'Skip this many entries (for offset clients; prefer cursors).' }),
      collectionId: t.arg.id({
        description: 'Only tracks in this collection of yours (another is RESOURCE_NOT_FOUND).',
      }),
      mode: t.arg.string({ description: `Only tracks of this mode: ${trackModes.join(' or ')}.` }),
      engine: t.arg.string({ description: 'Only tracks of this engine key.' }),
    },
    resolve: async (_root, args, ctx) => {
      const page = await listLibrary(ctx.deps, await viewerOf(ctx), {
        organizationId: args.organizationId,
        page: args,
        filter: { collectionId: args.collectionId, mode: args.mode, engine: args.engine },
      });
      return toConnection(page, ({ entry, track }) => ({
        cursor: encodeCursor(entry.seq),
        node: track,
        libraryEntryId: entry.id,
        source: entry.source,
        savedAt: entry.createdAt,
      }));
    },
  }),
}));

builder.mutationFields((t) => ({
  createTrack: t.field({
    type: Track,
    description: 'Create a track; it enters your library. Needs USE_MUSIC_GENERATION.',
    args: { organizationId: t.arg.id({ required: true }), input: t.arg({ type: CreateTrackInput, required: true }) },
    resolve: async (_root, args, ctx) =>
      createTrack(ctx.deps, await viewerOf(ctx), { ...args.input, organizationId: args.organizationId }),
  }),
  deleteTrack: t.field({
    type: MutationAck,
    description: 'Soft-delete a track you created. It leaves every collection, cover and library.',
    args: { organizationId: t.arg.id({ required: true }), trackId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await deleteTrack(ctx.deps, await viewerOf(ctx), args);
      return ack(args.trackId, 'Track deleted.');
    },
  }),
}));
