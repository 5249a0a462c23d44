import { GraphQLScalarType } from 'graphql';
import {
  cursorOf,
  fail,
  formatTimestamp,
  newId,
  type CollectionRow,
  type EntryRow,
  type Store,
  type TrackRow,
  type Viewer,
} from './store.js';

// The hand-written GraphQL side of the peers: the subset of the product's schema.graphql the
// benchmark asks for, with the same type, field and argument names, and plain resolvers over
// bench/mercurius/store.ts. The fields below a collection are loaders (mercurius's batching
// shape: one call per field per level with every parent), so a nested page costs one statement
// per level, as the product's dataloaders make it. bench/yoga-plain/server.ts serves the same
// resolvers and loaders through graphql-yoga and graphql-js.

export const typeDefs = /* GraphQL */ `
  scalar DateTime

  type Query {
    collection(organizationId: ID!, id: ID!): Collection!
    collections(organizationId: ID!, first: Int, offset: Int): CollectionConnection!
  }

  type Mutation {
    createCollection(organizationId: ID!, input: CreateCollectionInput!): Collection!
    deleteCollection(organizationId: ID!, collectionId: ID!): MutationAck!
    addTrackToCollection(organizationId: ID!, collectionId: ID!, trackId: ID!): MutationAck!
    removeTrackFromCollection(organizationId: ID!, collectionId: ID!, trackId: ID!): MutationAck!
    deleteTrack(organizationId: ID!, trackId: ID!): MutationAck!
  }

  input CreateCollectionInput {
    name: String!
    description: String
    coverTrackId: ID
    coverImageUrl: String
  }

  type MutationAck {
    success: Boolean!
    id: ID!
    detail: String!
  }

  type Collection {
    id: ID!
    organizationId: ID!
    ownerId: ID!
    name: String!
    description: String
    coverTrackId: ID
    coverTrack: Track
    coverImageUrl: String
    trackCount: Int!
    version: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
    tracks(first: Int, offset: Int): CollectionTrackConnection!
  }

  type Track {
    id: ID!
    organizationId: ID!
    creatorId: ID!
    title: String!
    durationSeconds: Float
    instrumental: Boolean!
    audioUrl: String
    artworkUrl: String
    mode: String!
    engine: String!
    createdAt: DateTime!
    updatedAt: DateTime!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type CollectionConnection {
    edges: [CollectionEdge!]!
    pageInfo: PageInfo!
  }

  type CollectionEdge {
    cursor: String!
    node: Collection!
  }

  type CollectionTrackConnection {
    edges: [CollectionTrackEdge!]!
    pageInfo: PageInfo!
  }

  type CollectionTrackEdge {
    cursor: String!
    node: Track!
    position: Int!
    addedAt: DateTime!
  }
`;

/** One request's context: the viewer is authenticated at most once, when a field needs it. */
export interface Context {
  store: Store;
  secret: string | null;
  traceId: string;
  viewer?: Viewer | null;
}

export const newContext = (store: Store, secret: string | null): Context => ({ store, secret, traceId: newId('req_') });

function viewerOf(ctx: Context): Viewer {
  if (ctx.viewer === undefined) ctx.viewer = ctx.store.authenticate(ctx.secret);
  if (!ctx.viewer) throw fail('AUTHENTICATION_REQUIRED', 'Missing or invalid authorization header');
  return ctx.viewer;
}

function connection<Edge extends { cursor: string }>(edges: Edge[], hasNextPage: boolean, hasPreviousPage: boolean) {
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const ack = (id: string, detail: string) => ({ success: true, id, detail });

type Args = Record<string, any>;

export const resolvers = {
  DateTime: new GraphQLScalarType({
    name: 'DateTime',
    serialize: (ms) => formatTimestamp(ms as number),
    parseValue: () => {
      throw new TypeError('DateTime is output only');
    },
  }),
  Query: {
    collection: (_: unknown, a: Args, ctx: Context) => ctx.store.getCollection(viewerOf(ctx), a.organizationId, a.id),
    collections: (_: unknown, a: Args, ctx: Context) => {
      const page = ctx.store.listCollections(viewerOf(ctx), a.organizationId, a);
      const edges = page.rows.map((node) => ({ cursor: cursorOf(node.seq), node }));
      return connection(edges, page.hasNextPage, page.hasPreviousPage);
    },
  },
  Mutation: {
    createCollection: (_: unknown, a: Args, ctx: Context) =>
      ctx.store.createCollection(viewerOf(ctx), a.organizationId, a.input, ctx.traceId),
    deleteCollection: (_: unknown, a: Args, ctx: Context) => {
      ctx.store.deleteCollection(viewerOf(ctx), a.organizationId, a.collectionId, ctx.traceId);
      return ack(a.collectionId, 'Collection deleted.');
    },
    addTrackToCollection: (_: unknown, a: Args, ctx: Context) => {
      ctx.store.addTrackToCollection(viewerOf(ctx), a.organizationId, a.collectionId, a.trackId, ctx.traceId);
      return ack(a.trackId, 'Track added to collection.');
    },
    removeTrackFromCollection: (_: unknown, a: Args, ctx: Context) => {
      ctx.store.removeTrackFromCollection(viewerOf(ctx), a.organizationId, a.collectionId, a.trackId, ctx.traceId);
      return ack(a.trackId, 'Track removed from collection.');
    },
    deleteTrack: (_: unknown, a: Args, ctx: Context) => {
      ctx.store.deleteTrack(viewerOf(ctx), a.organizationId, a.trackId, ctx.traceId);
      return ack(a.trackId, 'Track deleted.');
    },
  },
};

/** A batch of one field's calls at one level: every parent with its arguments (a promise, as both frameworks expect). */
export type LoaderQuery = { obj: CollectionRow; params: Args };

const unique = (ids: Iterable<string>) => [...new Set(ids)];

export const loaders = {
  Collection: {
    coverTrack: async (queries: LoaderQuery[], ctx: Context): Promise<(TrackRow | null)[]> => {
      const ids = unique(queries.flatMap((q) => (q.obj.coverTrackId ? [q.obj.coverTrackId] : [])));
      const found = ids.length > 0 ? ctx.store.liveTracks(ids) : new Map<string, TrackRow>();
      return queries.map((q) => (q.obj.coverTrackId ? (found.get(q.obj.coverTrackId) ?? null) : null));
    },
    tracks: async (queries: LoaderQuery[], ctx: Context) => {
      const ranges = queries.map((q) => ({ collectionId: q.obj.id, ...ctx.store.entryRange(q.obj, q.params) }));
      const entries: EntryRow[][] = ctx.store.entriesInRanges(ranges);
      const tracks = ctx.store.liveTracks(unique(entries.flat().map((e) => e.trackId)));
      return ranges.map((range, i) => {
        const edges = entries[i]!.map((e) => {
          const node = tracks.get(e.trackId);
          if (!node) throw new Error('track not loaded');
          return { cursor: cursorOf(e.position), node, position: e.position, addedAt: e.addedAt };
        });
        return connection(edges, range.hasNextPage, range.hasPreviousPage);
      });
    },
  },
};
