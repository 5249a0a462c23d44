import type { DomainError } from '../domain/errors.js';
import { BATCH_MAX_IDS } from '../domain/limits.js';
import { saveTrack, saveTracks, unsaveTrack, unsaveTracks, type TrackActionResult } from '../domain/library.js';
import { ack, MutationAck } from './ack.js';
import { builder } from './builder.js';
import { viewerOf } from './context.js';
import { LibraryEntry } from './library-entry.js';

export interface ItemError {
  code: string;
  message: string;
  systemMessage: string;
}

// A plain object, not the DomainError itself: graphql-js would raise an Error returned as a value.
export const itemError = (e: DomainError): ItemError => ({
  code: e.code,
  message: e.message,
  systemMessage: e.systemMessage,
});

export const TrackActionError = builder.objectRef<ItemError>('TrackActionError').implement({
  description: 'Why one item of a batch failed; the same vocabulary as error extensions.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'A documented error code, e.g. RESOURCE_NOT_FOUND.' }),
    message: t.exposeString('message', { description: 'Safe to show to a user.' }),
    systemMessage: t.exposeString('systemMessage', { description: 'For developers.' }),
  }),
});

const TrackActionResultType = builder.objectRef<TrackActionResult>('TrackActionResult').implement({
  description: 'The outcome of one id of a batch, in input order: a success or its own error.',
  fields: (t) => ({
    inputId: t.exposeID('inputId', { description: 'The id as it was sent.' }),
    success: t.boolean({ resolve: (r) => r.ok }),
    id: t.id({
      nullable: true,
      description: 'The library entry (mlib_) a save created or found; null for unsaves and failures.',
      resolve: (r) => (r.ok ? (r.entry?.id ?? null) : null),
    }),
    error: t.field({ type: TrackActionError, nullable: true, resolve: (r) => (r.ok ? null : itemError(r.error)) }),
  }),
});

const BATCH_IDS = `At most ${BATCH_MAX_IDS} track ids; a repeated id reports its first occurrence's result.`;
export const BATCH_ORGANIZATION =
  'Omitted: your only organization (AMBIGUOUS_ORGANIZATION when you are in several, NO_ORGANIZATION_MEMBERSHIP in none).';

builder.mutationFields((t) => ({
  saveTrack: t.field({
    type: LibraryEntry,
    description: 'Save a track you can see into your library. Idempotent: returns the existing entry.',
    args: { organizationId: t.arg.id({ required: true }), trackId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => saveTrack(ctx.deps, await viewerOf(ctx), args),
  }),
  unsaveTrack: t.field({
    type: MutationAck,
    description: 'Remove a track from your library (the track itself stays). Idempotent.',
    args: { organizationId: t.arg.id({ required: true }), trackId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await unsaveTrack(ctx.deps, await viewerOf(ctx), args);
      return ack(args.trackId, 'Track removed from library.');
    },
  }),
  saveTracks: t.field({
    type: [TrackActionResultType],
    description: 'Save many tracks, each on its own: valid ids are saved even when others fail (RESOURCE_NOT_FOUND).',
    args: {
      organizationId: t.arg.id({ description: BATCH_ORGANIZATION }),
      trackIds: t.arg.idList({ required: true, description: BATCH_IDS }),
    },
    resolve: async (_root, args, ctx) => saveTracks(ctx.deps, await viewerOf(ctx), args),
  }),
  unsaveTracks: t.field({
    type: [TrackActionResultType],
    description:
      'Remove many tracks from your library, each on its own; an id that is not in it fails with RESOURCE_NOT_FOUND.',
    args: {
      organizationId: t.arg.id({ description: BATCH_ORGANIZATION }),
      trackIds: t.arg.idList({ required: true, description: BATCH_IDS }),
    },
    resolve: async (_root, args, ctx) => unsaveTracks(ctx.deps, await viewerOf(ctx), args),
  }),
}));
