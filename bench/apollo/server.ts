import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { openDatabase } from '../../src/db/connection.js';
import { newId } from '../../src/db/ids.js';
import type { Deps } from '../../src/domain/deps.js';
import { authenticate } from '../../src/domain/viewer.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { getSchema } from '../../src/graphql/schema.js';

// The peer: what a team would otherwise pick. The project's own schema, resolvers and database,
// served by Apollo Server 5's standalone server with its defaults (production mode: no landing
// page). Not part of the product.

const path = process.env.DATABASE_URL;
if (!path) throw new Error('DATABASE_URL is required');
const database = await openDatabase(path);

const server = new ApolloServer<GraphQLContext>({ schema: getSchema() });

const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
  context: async ({ req }) => {
    const deps: Deps = { database, now: Date.now, traceId: newId('req_'), origin: 'http://127.0.0.1' };
    const header = req.headers['x-api-key'];
    const secret = typeof header === 'string' ? header.trim() || null : null;
    let viewer: ReturnType<GraphQLContext['viewer']> | undefined;
    return { deps, viewer: () => (viewer ??= authenticate(deps, secret)) };
  },
});
console.log(`apollo ready at ${url}`);
