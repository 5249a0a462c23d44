import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/connection.js';
import type { SqliteDatabase } from '../src/db/sqlite.js';
import type { Deps } from '../src/domain/deps.js';
import { findOwnCollection } from '../src/domain/collections.js';
import { authenticate, hashSecret } from '../src/domain/viewer.js';
import { seedTemplate } from './seed.js';

// `npx tsx bench/drizzle-cost.ts`: what one domain call costs in-process against the same SQL as
// a statement prepared once (what the limit server does): the share of a request the query
// builder takes before SQLite does any work.

const work = mkdtempSync(join(tmpdir(), 'music-drizzle-'));
const world = await seedTemplate(join(work, 'bench.db'), { pool: 10 });
const database = (await openDatabase(join(work, 'bench.db'))) as SqliteDatabase;
const deps: Deps = { database, now: Date.now, traceId: 'req_cost', origin: 'http://bench' };
const viewer = (await authenticate(deps, world.reader.key))!;
const id = world.readCollections[0]!;

const prepared = {
  key: database.sqlite.prepare(
    'SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
  ),
  members: database.sqlite.prepare('SELECT organization_id, capabilities FROM memberships WHERE user_id = ?'),
  collection: database.sqlite.prepare(
    'SELECT * FROM collections WHERE id = ? AND organization_id = ? AND owner_id = ? AND deleted_at IS NULL',
  ),
};

// Each call is awaited, as a request awaits it: the domain is asynchronous on both backends.
async function time(label: string, n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < n / 10; i++) await fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const us = ((performance.now() - started) / n) * 1000;
  console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(7)} µs`);
  return us;
}

const rounds = 20_000;
for (let round = 0; round < 3; round++) {
  console.log(`round ${round + 1}`);
  await time('authenticate (drizzle: key + memberships)', rounds, () => authenticate(deps, world.reader.key));
  await time('same two statements, prepared once', rounds, () => {
    prepared.key.get(hashSecret(world.reader.key));
    prepared.members.all(viewer.userId);
  });
  await time('findOwnCollection (drizzle)', rounds, () =>
    findOwnCollection(database.read, viewer, { organizationId: world.org, collectionId: id }),
  );
  await time('same statement, prepared once', rounds, () => prepared.collection.get(id, world.org, viewer.userId));
}
await database.close();
rmSync(work, { recursive: true, force: true });
