import { createServer, type Server } from 'node:http';
import DataLoader from 'dataloader';
import { createSchema, createYoga } from 'graphql-yoga';
import { loaders, newContext, resolvers, typeDefs, type Context, type LoaderQuery } from '../mercurius/schema.js';
import { openStore } from '../mercurius/store.js';

// The second reference point: plain graphql-yoga (its defaults: graphql-js, no jit; parse and
// validation caches on) serving the very resolvers and batch functions the mercurius peer serves,
// the batch functions behind one DataLoader per field per request. Beside the product (yoga with
// a Pothos schema and graphql-jit) it shows how much of a per-field cost is the framework and how
// much the schema's own wrappers. Not part of the product.

type Batch = (queries: LoaderQuery[], ctx: Context) => Promise<unknown[]>;
type YogaContext = Context & { loaders: Record<string, DataLoader<LoaderQuery, unknown>> };

const batched = Object.fromEntries(
  Object.keys(loaders.Collection).map((field) => [
    field,
    (obj: LoaderQuery['obj'], params: LoaderQuery['params'], ctx: YogaContext) =>
      ctx.loaders[field]!.load({ obj, params }),
  ]),
);

export function startYogaPlain(
  path: string,
  port = 0,
  options: Parameters<typeof openStore>[1] = {},
): Promise<{ port: number; server: Server; close(): void }> {
  const store = openStore(path, options);
  const yoga = createYoga<object, YogaContext>({
    schema: createSchema({ typeDefs, resolvers: [resolvers, { Collection: batched }] }),
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    context: ({ request }) => {
      const context = newContext(store, request.headers.get('x-api-key')?.trim() || null) as YogaContext;
      context.loaders = Object.fromEntries(
        Object.entries(loaders.Collection as Record<string, Batch>).map(([field, batch]) => [
          field,
          new DataLoader<LoaderQuery, unknown>((keys) => batch([...keys], context)),
        ]),
      );
      return context;
    },
  });
  const server = createServer((req, res) => {
    if (req.url === '/healthz')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    void yoga(req, res);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        port: bound,
        server,
        close: () => {
          server.close();
          return store.close();
        },
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.env.DATABASE_URL;
  if (!path) throw new Error('DATABASE_URL is required');
  const { port } = await startYogaPlain(path, Number(process.env.PORT ?? 0));
  console.log(`yoga (plain) ready at http://127.0.0.1:${port}/graphql`);
}
