import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, collections } from '../src/db/schema.js';
import { createWorld, rest, type World } from './helpers.js';

// A transaction held open across an await (as every domain transaction is) must be invisible to
// other requests until it commits, and must not swallow their writes when it rolls back.

/** Opens a transaction that inserts a collection, then waits for `release` and rolls back. */
function openTransaction(w: World) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const inside = new Promise<void>((resolve) => (started = resolve));
  const done = w.app.database.transaction(async (tx) => {
    const now = w.clock.now;
    await tx.insert(collections).values({
      id: 'mcoll_uncommitted',
      organizationId: w.orgA,
      ownerId: w.alice.userId,
      name: 'Never committed',
      createdAt: now,
      updatedAt: now,
    });
    started();
    await gate;
    throw new Error('rolled back on purpose');
  });
  return { inside, release, done };
}

const list = (w: World) => rest(w.app, 'GET', `/v1/music/${w.orgA}/collections`, { key: w.alice.key });

describe('write transactions', () => {
  it('are invisible to another request while open, and gone after a rollback', async () => {
    const w = await createWorld();
    expect((await list(w)).status).toBe(200); // the key's last-used time is fresh from here on
    const open = openTransaction(w);
    await open.inside;
    const during = list(w);
    // Expected before anything is awaited: a read slower than the release must not leave the
    // rollback unhandled for a moment (vitest reports that as an error).
    const rolledBack = expect(open.done).rejects.toThrow('rolled back on purpose');
    // Whether the read waits for the transaction or runs beside it, it must not see its insert.
    setTimeout(open.release, 50);
    const res = await during;
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    await rolledBack;
    expect((await list(w)).body.items).toEqual([]);
  });

  it('do not take another request’s write with them when they roll back', async () => {
    const w = await createWorld();
    w.clock.now += 10 * 60_000; // the key's last-used time is due for a refresh
    const open = openTransaction(w);
    await open.inside;
    const during = list(w);
    const rolledBack = expect(open.done).rejects.toThrow('rolled back on purpose');
    setTimeout(open.release, 50);
    expect((await during).status).toBe(200);
    await rolledBack;
    const [key] = await w.app.database.db.select().from(apiKeys).where(eq(apiKeys.id, w.alice.keyId));
    expect(key?.lastUsedAt).toBe(w.clock.now);
  });
});
