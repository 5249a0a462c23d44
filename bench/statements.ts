import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { NESTED_QUERY, checkNestedData } from './ops.js';
import type { World } from './seed.js';

/**
 * SQL statements one nested collections page costs, for several page sizes, counted by the
 * database driver's statement hook in-process (the app is the product's, on a template copy).
 */
export async function countNestedStatements(path: string, world: World) {
  let count = 0;
  const app = createApp({ database: await openDatabase(path, { onStatement: () => count++ }) });
  const rows: { pageSize: number; tracksPerCollection: number; statements: number }[] = [];
  for (const [pageSize, tracks] of [
    [5, 10],
    [10, 10],
    [25, 10],
    [50, 10],
    [100, 10],
    [50, 20],
  ] as const) {
    count = 0;
    const response = await app.fetch(
      new Request('http://bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': world.reader.key },
        body: JSON.stringify({ query: NESTED_QUERY, variables: { org: world.org, first: pageSize, tracks } }),
      }),
    );
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    if (body.errors || !checkNestedData(body.data, pageSize, tracks))
      throw new Error(`nested page ${pageSize}: ${JSON.stringify(body).slice(0, 300)}`);
    rows.push({ pageSize, tracksPerCollection: tracks, statements: count });
  }
  await app.close();
  return rows;
}
