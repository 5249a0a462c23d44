import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { backend, createCollectionVia, createWorld, rest, rows, type World } from './helpers.js';

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
    await tx.insertCollection({
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
    const key = await w.app.database.read.apiKey(w.alice.keyId);
    expect(key?.lastUsedAt).toBe(w.clock.now);
  });
});

// On a server, a transaction competes with other connections' writes and may be aborted and run
// again (src/db/postgres.ts). PGlite has one connection, so nothing competes there.
describe.skipIf(backend !== 'postgres')('write transactions on a PostgreSQL server', () => {
  it('that keep losing to other writers run alone after five attempts, and commit', async () => {
    const w = await createWorld();
    const id = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Contended');
    const ref = { id, organizationId: w.orgA, ownerId: w.alice.userId };
    let attempts = 0;
    const held: Promise<unknown>[] = [];
    await w.app.database.transaction(async (tx) => {
      attempts++;
      await tx.ownCollection(ref);
      // Another connection changes the same row and commits, as a stream of short edits would
      // between this transaction's read and its write; then this write is a serialization failure.
      const other = rows(w, 'UPDATE collections SET name = ? WHERE id = ?', `other ${attempts}`, id);
      if (!(await Promise.race([other.then(() => true), sleep(500).then(() => false)]))) held.push(other);
      await tx.updateCollection(id, {}, w.clock.now);
    });
    // Five attempts lost; the sixth locked other writers out until it committed.
    expect(attempts).toBe(6);
    expect(held).toHaveLength(1);
    await Promise.all(held);
    const [after] = await rows(w, 'SELECT name, version FROM collections WHERE id = ?', id);
    expect(after).toMatchObject({ name: 'other 6', version: 2 });
  });
});
