import Fastify, { type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { loaders, newContext, resolvers, typeDefs } from './schema.js';
import { openStore } from './store.js';

// The peer a performance-minded team would pick instead of the product: Fastify 5 and mercurius
// 16 with graphql-jit (`jit: 1`: compiled from a document's second use), the hand-written schema
// and resolvers of ./schema.ts, mercurius's loaders for the fields below a collection. Fastify's
// defaults otherwise: no request logging, no metrics (the product writes a log line and records
// metrics per request; bench/findings.md says what that costs). Not part of the product.

export async function buildMercurius(
  path: string,
  options: Parameters<typeof openStore>[1] = {},
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const store = openStore(path, options);
  const app = Fastify({ logger: false });
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: resolvers as never,
    loaders: loaders as never,
    jit: 1,
    graphiql: false,
    context: (request) => {
      const header = request.headers['x-api-key'];
      return newContext(store, typeof header === 'string' ? header.trim() || null : null);
    },
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  return {
    app,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

export async function startMercurius(
  path: string,
  port = 0,
  options: Parameters<typeof openStore>[1] = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const peer = await buildMercurius(path, options);
  await peer.app.listen({ port, host: '127.0.0.1' });
  const address = peer.app.server.address();
  return { port: typeof address === 'object' && address ? address.port : port, close: peer.close };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.env.DATABASE_URL;
  if (!path) throw new Error('DATABASE_URL is required');
  const { port } = await startMercurius(path, Number(process.env.PORT ?? 0));
  console.log(`mercurius ready at http://127.0.0.1:${port}/graphql`);
}
