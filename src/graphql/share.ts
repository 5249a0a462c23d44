import {
  resolveShare,
  revokeShare,
  saveSharedTrack,
  shareCollection,
  shareTrack,
  type CreatedShare,
  type ShareLinkRow,
  type SharedContent,
} from '../domain/shares.js';
import {
  DEFAULT_VISIBILITY,
  MAX_EXPIRY_DAYS,
  SHARED_COLLECTION_TRACKS,
  type shareVisibilities,
} from '../domain/limits.js';
import type { TrackRow } from '../domain/tracks.js';
import { ack, MutationAck } from './ack.js';
import { builder } from './builder.js';
import { viewerOf } from './context.js';
import { LibraryEntry } from './library-entry.js';
import { DateTime } from './scalars.js';

const ShareVisibility = builder.enumType('ShareVisibility', {
  // `satisfies` makes a visibility added to the domain a type error here until it is described.
  values: {
    link_only: { value: 'link_only', description: 'Anyone with the link.' },
    public: {
      value: 'public',
      description: 'The owner allows it to be shown beyond the link; resolves like link_only.',
    },
  } as const satisfies Record<(typeof shareVisibilities)[number], unknown>,
});

const ShareTarget = builder.enumType('ShareTarget', {
  values: { track: { value: 'track' }, collection: { value: 'collection' } } as const,
});

const ShareLink = builder.objectRef<CreatedShare>('ShareLink').implement({
  description: 'A new share link. The token is shown only here, once; only its hash is stored.',
  fields: (t) => ({
    id: t.id({ resolve: (s) => s.link.id }),
    token: t.exposeString('token'),
    url: t.exposeString('url'),
    targetType: t.field({ type: ShareTarget, resolve: (s) => s.link.targetType }),
    targetId: t.id({ resolve: (s) => s.link.targetId }),
    visibility: t.field({ type: ShareVisibility, resolve: (s) => s.link.visibility }),
    expiresAt: t.field({ type: DateTime, nullable: true, resolve: (s) => s.link.expiresAt }),
    createdAt: t.field({ type: DateTime, resolve: (s) => s.link.createdAt }),
  }),
});

const ShareInfo = builder.objectRef<ShareLinkRow>('ShareInfo').implement({
  fields: (t) => ({
    targetType: t.field({ type: ShareTarget, resolve: (l) => l.targetType }),
    visibility: t.field({ type: ShareVisibility, resolve: (l) => l.visibility }),
    expiresAt: t.field({ type: DateTime, nullable: true, resolve: (l) => l.expiresAt }),
  }),
});

const SharedTrack = builder.objectRef<TrackRow>('SharedTrack').implement({
  description: 'The read-only view of a shared track.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    engine: t.exposeString('engine'),
    mode: t.exposeString('mode'),
    durationSeconds: t.exposeFloat('durationSeconds', { nullable: true }),
    instrumental: t.exposeBoolean('instrumental'),
    playbackUrl: t.exposeString('audioUrl', { nullable: true }),
  }),
});

const SharedCollection = builder
  .objectRef<{ id: string; name: string; description: string | null }>('SharedCollection')
  .implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      description: t.exposeString('description', { nullable: true }),
    }),
  });

export const UNAVAILABLE_MESSAGE = 'The shared content is no longer available.';

const SharedContentType = builder.objectRef<SharedContent>('SharedContent').implement({
  description: 'What a share link shows; available is false when the content was deleted since.',
  fields: (t) => ({
    kind: t.field({ type: ShareTarget, resolve: (c) => c.kind }),
    available: t.exposeBoolean('available'),
    message: t.string({ nullable: true, resolve: (c) => (c.available ? null : UNAVAILABLE_MESSAGE) }),
    share: t.field({ type: ShareInfo, resolve: (c) => c.link }),
    track: t.field({
      type: SharedTrack,
      nullable: true,
      resolve: (c) => (c.available && c.kind === 'track' ? c.track : null),
    }),
    collection: t.field({
      type: SharedCollection,
      nullable: true,
      resolve: (c) => (c.available && c.kind === 'collection' ? c.collection : null),
    }),
    tracks: t.field({
      type: [SharedTrack],
      nullable: true,
      description: `For collection shares: the first ${SHARED_COLLECTION_TRACKS} tracks in position order.`,
      resolve: (c) => (c.available && c.kind === 'collection' ? c.tracks : null),
    }),
  }),
});

builder.queryField('sharedContent', (t) =>
  t.field({
    type: SharedContentType,
    description: 'Resolve a share token. Needs no API key.',
    skipTypeScopes: true,
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => resolveShare(ctx.deps, args),
  }),
);

const shareArgs = {
  visibility: `Defaults to ${DEFAULT_VISIBILITY}.`,
  expiresInDays: `Days until the link expires, from 1; more than ${MAX_EXPIRY_DAYS} is clamped to ${MAX_EXPIRY_DAYS}; omit for never.`,
};

builder.mutationFields((t) => ({
  shareTrack: t.field({
    type: ShareLink,
    description: 'Create a share link for a track you created.',
    args: {
      organizationId: t.arg.id({ required: true }),
      trackId: t.arg.id({ required: true }),
      visibility: t.arg({ type: ShareVisibility, description: shareArgs.visibility }),
      expiresInDays: t.arg.int({ description: shareArgs.expiresInDays }),
    },
    resolve: async (_root, args, ctx) => shareTrack(ctx.deps, await viewerOf(ctx), args),
  }),
  shareCollection: t.field({
    type: ShareLink,
    description: 'Create a read-only share link for a collection you own.',
    args: {
      organizationId: t.arg.id({ required: true }),
      collectionId: t.arg.id({ required: true }),
      visibility: t.arg({ type: ShareVisibility, description: shareArgs.visibility }),
      expiresInDays: t.arg.int({ description: shareArgs.expiresInDays }),
    },
    resolve: async (_root, args, ctx) => shareCollection(ctx.deps, await viewerOf(ctx), args),
  }),
  saveSharedTrack: t.field({
    type: LibraryEntry,
    description: 'Save the track behind a track share link into your library (idempotent).',
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => saveSharedTrack(ctx.deps, await viewerOf(ctx), args),
  }),
  revokeShare: t.field({
    type: MutationAck,
    description: 'Revoke a share link you created. Idempotent; people who saved the track keep it.',
    args: { organizationId: t.arg.id({ required: true }), shareId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await revokeShare(ctx.deps, await viewerOf(ctx), args);
      return ack(args.shareId, 'Share link revoked.');
    },
  }),
}));
