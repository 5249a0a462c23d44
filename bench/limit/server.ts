import { listen, type LimitHandler } from './common.js';
import { createSqliteLimit } from './sqlite.js';

// The benchmark's "limit": the least a server can do to answer the same REST routes with the same
// rules (key lookup by hash, membership and capability, ownership), running the product's SQL
// statements in the same transactions (audit rows included), with hand-built JSON. Not part of the
// product. `GET /bench/:org/collections-nested` is the nested collections page the GraphQL
// benchmark asks for, built by hand from the same statements the resolvers run. A `postgres://`
// DATABASE_URL starts the PostgreSQL limit (postgres.ts), anything else the SQLite one (sqlite.ts).

export async function createLimit(url: string): Promise<LimitHandler> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { createPostgresLimit } = await import('./postgres.js');
    return createPostgresLimit(url);
  }
  return createSqliteLimit(url);
}

export async function startLimitServer(url: string, port = 0) {
  return listen(await createLimit(url), port);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const { port } = await startLimitServer(url, Number(process.env.PORT ?? 0));
  console.log(`limit ready at http://127.0.0.1:${port}/`);
}
