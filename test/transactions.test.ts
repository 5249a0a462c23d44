import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { backend, createCollectionVia, createTrackVia, createWorld, rest, rows, type World } from './helpers.js';

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

// On a server, transactions of other connections run at the same time. Writes lock the rows they
// change (src/db/database.ts, docs/postgresql.md): a write of the same collection queues behind the
// one holding it and then runs once, on the current row; a write of another owner's rows does not
// wait at all. PGlite has one connection, so nothing runs beside a transaction there.
describe.skipIf(backend !== 'postgres')('write transactions on a PostgreSQL server', () => {
  /** A transaction that takes alice's collection for a change, then waits for `release`. */
  function holdCollection(w: World, id: string) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inside = new Promise<void>((resolve) => (started = resolve));
    const done = w.app.database.transaction(async (tx) => {
      const row = await tx.collectionToChange({ id, organizationId: w.orgA, ownerId: w.alice.userId });
      started();
      await gate;
      await tx.updateCollection(row!.id, { name: 'first' }, w.clock.now);
    });
    return { inside, release, done };
  }

  it('a write of a collection another transaction holds waits for it, then commits once on the current row', async () => {
    const w = await createWorld();
    const id = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Contended');
    const attempts: boolean[] = [];
    w.app.database.observeTransactions((timing) => attempts.push(timing.retried !== undefined));
    const held = holdCollection(w, id);
    await held.inside;
    let second = 0;
    const queued = w.app.database.transaction(async (tx) => {
      second++;
      const row = await tx.collectionToChange({ id, organizationId: w.orgA, ownerId: w.alice.userId });
      return tx.updateCollection(row!.id, { description: `saw ${row!.name}` }, w.clock.now);
    });
    const waited = await Promise.race([queued.then(() => false), sleep(300).then(() => true)]);
    held.release();
    await held.done;
    const after = await queued;
    expect(waited).toBe(true);
    expect(second).toBe(1);
    // It read the row as the first left it, so neither change is lost.
    expect(after).toMatchObject({ name: 'first', description: 'saw first', version: 3 });
    expect(attempts.filter(Boolean)).toEqual([]);
  });

  it('one the server aborts as a deadlock is run again, and counted in /metrics', async () => {
    // Two transactions that break the lock order on purpose (each takes the other's first
    // collection second), so the server has a deadlock to break: the safety net, which the
    // product's own transactions never need.
    const w = await createWorld();
    const first = await createCollectionVia(w.app, w.alice.key, w.orgA, 'First');
    const second = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Second');
    const ref = (id: string) => ({ id, organizationId: w.orgA, ownerId: w.alice.userId });
    const attempts = { a: 0, b: 0 };
    let aHolds!: () => void;
    const aHolding = new Promise<void>((resolve) => (aHolds = resolve));
    let bHolds!: () => void;
    const bHolding = new Promise<void>((resolve) => (bHolds = resolve));
    const crossing = (name: 'a' | 'b', mine: string, theirs: string, holds: () => void, other: Promise<void>) =>
      w.app.database.transaction(async (tx) => {
        attempts[name]++;
        await tx.collectionToChange(ref(mine));
        holds();
        await other;
        const row = await tx.collectionToChange(ref(theirs));
        await tx.updateCollection(row!.id, { description: `${name} was here` }, w.clock.now);
      });
    await Promise.all([crossing('a', first, second, aHolds, bHolding), crossing('b', second, first, bHolds, aHolding)]);

    // One of the two was aborted once and ran again; both changes are there.
    expect(attempts.a + attempts.b).toBe(3);
    const described = await rows(
      w,
      'SELECT description FROM collections WHERE id IN (?, ?) ORDER BY description',
      first,
      second,
    );
    expect(described.map((r) => r.description)).toEqual(['a was here', 'b was here']);
    const metrics = (await rest(w.app, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/^music_gateway_db_transaction_retries_total\{reason="deadlock"\} 1$/m);
  }, 20_000);

  it('a write of another owner’s collection does not wait for it', async () => {
    const w = await createWorld();
    const alices = await createCollectionVia(w.app, w.alice.key, w.orgA, 'Held');
    const bobs = await createCollectionVia(w.app, w.bob.key, w.orgA, 'Free');
    const track = await createTrackVia(w.app, w.bob.key, w.orgA);
    const held = holdCollection(w, alices);
    await held.inside;
    try {
      const added = rest(w.app, 'POST', `/v1/music/${w.orgA}/collections/${bobs}/tracks`, {
        key: w.bob.key,
        body: { track_id: track },
      });
      const answer = await Promise.race([added, sleep(5000).then(() => undefined)]);
      expect(answer?.status).toBe(200);
    } finally {
      held.release();
      await held.done;
    }
    const [row] = await rows(w, 'SELECT track_count, version FROM collections WHERE id = ?', bobs);
    expect(row).toMatchObject({ track_count: 1, version: 2 });
  });
});
