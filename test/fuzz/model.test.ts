import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorld, dispose, gql, rest, type World } from '../helpers.js';

// Model-based fuzzing: random sequences of operations by random principals run against a small
// in-memory model and against the app over HTTP (REST, GraphQL or the Groove shim, chosen per
// step). After every step the answer and the listed state must agree with the model.

type Who = 'alice' | 'bob' | 'carol' | 'dave';
type Transport = 'rest' | 'graphql';
const who = fc.constantFrom<Who>('alice', 'bob', 'carol', 'dave');
const transport = fc.constantFrom<Transport>('rest', 'graphql');
const orgOf = (w: Who) => (w === 'dave' ? 'org_b' : 'org_a');
const canCreate = (w: Who) => w !== 'carol';

interface MTrack {
  id: string;
  creator: Who;
  deleted: boolean;
}
interface MCollection {
  id: string;
  owner: Who;
  deleted: boolean;
  entries: string[];
}
interface Model {
  tracks: MTrack[];
  collections: MCollection[];
  /** Each principal's library in save order (the API lists it newest first). */
  library: Record<Who, string[]>;
}
interface Real {
  world: World;
}

interface Answer {
  status: number;
  code: string | null;
  id?: string;
}

const keyOf = (r: Real, w: Who) => r.world[w].key;
const UNKNOWN_TRACK = 'mtrack_00000000000000000000';
const UNKNOWN_COLLECTION = 'mcoll_00000000000000000000';

async function call(
  r: Real,
  w: Who,
  via: Transport,
  restCall: { method: string; path: string; body?: unknown },
  graphql: { field: string; args: string; selection: string; mutation: boolean },
): Promise<Answer> {
  if (via === 'rest') {
    const res = await rest(r.world.app, restCall.method, restCall.path, { key: keyOf(r, w), body: restCall.body });
    expect(res.status, res.text).toBeLessThan(500);
    return { status: res.status, code: res.body?.error?.code ?? null, id: res.body?.id };
  }
  const res = await gql(
    r.world.app,
    `${graphql.mutation ? 'mutation' : 'query'} { r: ${graphql.field}(${graphql.args}) ${graphql.selection} }`,
    {},
    keyOf(r, w),
  );
  const error = res.body.errors?.[0];
  expect(error?.extensions?.status ?? 200, res.text).toBeLessThan(500);
  if (error) return { status: error.extensions.status, code: error.extensions.code };
  return { status: graphql.mutation && /^create/.test(graphql.field) ? 201 : 200, code: null, id: res.body.data.r.id };
}

const q = JSON.stringify;
const pick = <T>(list: T[], index: number): T | undefined => (list.length === 0 ? undefined : list[index % (list.length + 1)]);

const visible = (m: Model, w: Who, id: string) => m.tracks.find((t) => t.id === id && !t.deleted && t.creator === w && orgOf(t.creator) === orgOf(w));
const ownCollection = (m: Model, w: Who, id: string) => m.collections.find((c) => c.id === id && !c.deleted && c.owner === w);

function expectAnswer(actual: Answer, status: number, code: string | null = null) {
  expect({ status: actual.status, code: actual.code }).toEqual({ status, code });
}

let steps = 0;
/** Steps by kind, and how many of them were refusals, for the figures docs/reliability.md quotes. */
const byKind = new Map<string, number>();

/** Every step is followed by a full comparison of what each principal lists. */
abstract class Step implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  abstract act(m: Model, r: Real): Promise<void>;
  async run(m: Model, r: Real) {
    await this.act(m, r);
    await checkListings(m, r);
    steps++;
    const kind = this.constructor.name;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
}

class CreateTrack extends Step {
  constructor(
    readonly w: Who,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'POST', path: `/v1/music/${org}/tracks`, body: { title: 'fuzz' } },
      { field: 'createTrack', args: `organizationId: ${q(org)}, input: { title: "fuzz" }`, selection: '{ id }', mutation: true },
    );
    if (!canCreate(this.w)) return expectAnswer(a, 403, 'INSUFFICIENT_PERMISSIONS');
    expectAnswer(a, 201);
    m.tracks.push({ id: a.id!, creator: this.w, deleted: false });
    m.library[this.w].push(a.id!);
  }
  override toString = () => `createTrack(${this.w}, ${this.via})`;
}

class CreateCollection extends Step {
  constructor(
    readonly w: Who,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'POST', path: `/v1/music/${org}/collections`, body: { name: 'fuzz' } },
      { field: 'createCollection', args: `organizationId: ${q(org)}, input: { name: "fuzz" }`, selection: '{ id }', mutation: true },
    );
    if (!canCreate(this.w)) return expectAnswer(a, 403, 'INSUFFICIENT_PERMISSIONS');
    expectAnswer(a, 201);
    m.collections.push({ id: a.id!, owner: this.w, deleted: false, entries: [] });
  }
  override toString = () => `createCollection(${this.w}, ${this.via})`;
}

class AddTrack extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly t: number,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = pick(m.collections, this.c)?.id ?? UNKNOWN_COLLECTION;
    const tid = pick(m.tracks, this.t)?.id ?? UNKNOWN_TRACK;
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'POST', path: `/v1/music/${org}/collections/${cid}/tracks`, body: { track_id: tid } },
      {
        field: 'addTrackToCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, trackId: ${q(tid)}`,
        selection: '{ id }',
        mutation: true,
      },
    );
    const collection = ownCollection(m, this.w, cid);
    if (!collection || !visible(m, this.w, tid)) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    if (!collection.entries.includes(tid)) collection.entries.push(tid);
  }
  override toString = () => `addTrack(${this.w}, c${this.c}, t${this.t}, ${this.via})`;
}

class RemoveTrack extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly t: number,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = pick(m.collections, this.c)?.id ?? UNKNOWN_COLLECTION;
    const tid = pick(m.tracks, this.t)?.id ?? UNKNOWN_TRACK;
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'DELETE', path: `/v1/music/${org}/collections/${cid}/tracks/${tid}` },
      {
        field: 'removeTrackFromCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, trackId: ${q(tid)}`,
        selection: '{ id }',
        mutation: true,
      },
    );
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    collection.entries = collection.entries.filter((e) => e !== tid);
  }
  override toString = () => `removeTrack(${this.w}, c${this.c}, t${this.t}, ${this.via})`;
}

class DeleteTrack extends Step {
  constructor(
    readonly w: Who,
    readonly t: number,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const tid = pick(m.tracks, this.t)?.id ?? UNKNOWN_TRACK;
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'DELETE', path: `/v1/music/${org}/tracks/${tid}` },
      { field: 'deleteTrack', args: `organizationId: ${q(org)}, trackId: ${q(tid)}`, selection: '{ id }', mutation: true },
    );
    const track = visible(m, this.w, tid);
    if (!track) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    track.deleted = true;
    for (const c of m.collections) c.entries = c.entries.filter((e) => e !== tid);
  }
  override toString = () => `deleteTrack(${this.w}, t${this.t}, ${this.via})`;
}

class DeleteCollection extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = pick(m.collections, this.c)?.id ?? UNKNOWN_COLLECTION;
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'DELETE', path: `/v1/music/${org}/collections/${cid}` },
      { field: 'deleteCollection', args: `organizationId: ${q(org)}, collectionId: ${q(cid)}`, selection: '{ id }', mutation: true },
    );
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    collection.deleted = true;
  }
  override toString = () => `deleteCollection(${this.w}, c${this.c}, ${this.via})`;
}

class Reorder extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly picks: number[],
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = pick(m.collections, this.c)?.id ?? UNKNOWN_COLLECTION;
    const ids = this.picks.map((p) => pick(m.tracks, p)?.id ?? UNKNOWN_TRACK);
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'PATCH', path: `/v1/music/${org}/collections/${cid}/order`, body: { ordered_track_ids: ids } },
      {
        field: 'reorderCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, orderedTrackIds: ${q(ids)}`,
        selection: '{ id }',
        mutation: true,
      },
    );
    // Input is validated before any object is looked up (it says nothing about the object).
    if (new Set(ids).size !== ids.length) return expectAnswer(a, 422, 'VALIDATION_ERROR');
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    const front = ids.filter((id) => collection.entries.includes(id));
    collection.entries = [...front, ...collection.entries.filter((e) => !front.includes(e))];
  }
  override toString = () => `reorder(${this.w}, c${this.c}, [${this.picks}], ${this.via})`;
}

class SaveTrack extends Step {
  constructor(
    readonly w: Who,
    readonly t: number,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const tid = pick(m.tracks, this.t)?.id ?? UNKNOWN_TRACK;
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'POST', path: `/v1/music/${org}/tracks/${tid}/save` },
      { field: 'saveTrack', args: `organizationId: ${q(org)}, trackId: ${q(tid)}`, selection: '{ id }', mutation: true },
    );
    if (!visible(m, this.w, tid)) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    if (!m.library[this.w].includes(tid)) m.library[this.w].push(tid);
  }
  override toString = () => `saveTrack(${this.w}, t${this.t}, ${this.via})`;
}

class UnsaveTrack extends Step {
  constructor(
    readonly w: Who,
    readonly t: number,
    readonly via: Transport,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const tid = pick(m.tracks, this.t)?.id ?? UNKNOWN_TRACK;
    const a = await call(
      r,
      this.w,
      this.via,
      { method: 'DELETE', path: `/v1/music/${org}/tracks/${tid}/save` },
      { field: 'unsaveTrack', args: `organizationId: ${q(org)}, trackId: ${q(tid)}`, selection: '{ id }', mutation: true },
    );
    // Idempotent: whatever is not in the library is a success that changes nothing.
    expectAnswer(a, 200);
    m.library[this.w] = m.library[this.w].filter((id) => id !== tid);
  }
  override toString = () => `unsaveTrack(${this.w}, t${this.t}, ${this.via})`;
}

/** saveTracks / unsaveTracks over GraphQL, or Groove's collection add / delete (whose path names no organization). */
class Batch extends Step {
  constructor(
    readonly w: Who,
    readonly action: 'save' | 'unsave',
    readonly picks: number[],
    readonly repeat: boolean,
    readonly via: 'graphql' | 'groove',
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const picked = this.picks.map((p) => pick(m.tracks, p)?.id ?? UNKNOWN_TRACK);
    // Often a repeated id, which must report its first occurrence's result without acting twice.
    const ids = this.repeat && picked.length > 0 ? [...picked, picked[0]!] : picked;
    let outcomes: boolean[];
    if (this.via === 'groove') {
      const res = await rest(r.world.app, 'POST', `/1/content/music/collection/${this.action === 'save' ? 'add' : 'delete'}`, {
        headers: { authorization: `Bearer ${keyOf(r, this.w)}` },
        body: { TrackIds: ids.map((id) => `music.${id}`) },
      });
      expect(res.status, res.text).toBe(200);
      outcomes = res.body.TrackActionResults.map((item: { Error?: unknown }) => !item.Error);
      expect(res.body.Error?.ErrorCode ?? null).toBe(outcomes.every(Boolean) ? null : 'COLLECTION_SOME_OPERATIONS_FAILED');
    } else {
      const field = this.action === 'save' ? 'saveTracks' : 'unsaveTracks';
      const res = await gql(
        r.world.app,
        `mutation { r: ${field}(organizationId: ${q(org)}, trackIds: ${q(ids)}) { success error { code } } }`,
        {},
        keyOf(r, this.w),
      );
      expect(res.body.errors, res.text).toBeUndefined();
      outcomes = res.body.data.r.map((item: { success: boolean }) => item.success);
    }
    // Each id on its own, in input order; a repeated id reports its first occurrence's result.
    const first = new Map<string, boolean>();
    const expected = ids.map((id) => {
      if (!first.has(id)) {
        const library = m.library[this.w];
        if (this.action === 'save') {
          const ok = visible(m, this.w, id) !== undefined;
          if (ok && !library.includes(id)) library.push(id);
          first.set(id, ok);
        } else {
          const ok = library.includes(id) && !m.tracks.find((t) => t.id === id)?.deleted;
          m.library[this.w] = library.filter((e) => e !== id);
          first.set(id, ok);
        }
      }
      return first.get(id)!;
    });
    expect(outcomes).toEqual(expected);
  }
  override toString = () => `${this.action}Tracks(${this.w}, [${this.picks}]${this.repeat ? ' + first again' : ''}, ${this.via})`;
}

/** What each principal lists must be exactly what the model holds for them. */
async function checkListings(m: Model, r: Real) {
  for (const w of ['alice', 'bob', 'carol', 'dave'] as const) {
    const org = orgOf(w);
    const listed = await rest(r.world.app, 'GET', `/v1/music/${org}/collections?limit=100`, { key: keyOf(r, w) });
    const mine = m.collections.filter((c) => c.owner === w && !c.deleted);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual(mine.map((c) => c.id).reverse());
    for (const c of mine) {
      const tracks = await rest(r.world.app, 'GET', `/v1/music/${org}/collections/${c.id}/tracks?limit=500`, { key: keyOf(r, w) });
      expect(tracks.body.items.map((i: { track_id: string }) => i.track_id)).toEqual(c.entries);
      expect(tracks.body.items.map((i: { position: number }) => i.position)).toEqual(c.entries.map((_, i) => i));
    }
    const library = await rest(r.world.app, 'GET', `/v1/music/${org}/tracks?limit=100`, { key: keyOf(r, w) });
    const live = m.library[w].filter((id) => !m.tracks.find((t) => t.id === id)?.deleted);
    expect(library.body.items.map((t: { id: string }) => t.id)).toEqual(live.reverse());
  }
}

const index = fc.nat({ max: 12 });
const commands = fc.commands(
  [
    fc.tuple(who, transport).map(([w, v]) => new CreateTrack(w, v)),
    fc.tuple(who, transport).map(([w, v]) => new CreateCollection(w, v)),
    fc.tuple(who, index, index, transport).map(([w, c, t, v]) => new AddTrack(w, c, t, v)),
    fc.tuple(who, index, index, transport).map(([w, c, t, v]) => new RemoveTrack(w, c, t, v)),
    fc.tuple(who, index, transport).map(([w, t, v]) => new DeleteTrack(w, t, v)),
    fc.tuple(who, index, transport).map(([w, c, v]) => new DeleteCollection(w, c, v)),
    fc.tuple(who, index, fc.array(index, { maxLength: 5 }), transport).map(([w, c, p, v]) => new Reorder(w, c, p, v)),
    fc.tuple(who, index, transport).map(([w, t, v]) => new SaveTrack(w, t, v)),
    fc.tuple(who, index, transport).map(([w, t, v]) => new UnsaveTrack(w, t, v)),
    fc
      .tuple(who, fc.constantFrom<'save' | 'unsave'>('save', 'unsave'), fc.array(index, { maxLength: 5 }), fc.boolean(), fc.constantFrom<'graphql' | 'groove'>('graphql', 'groove'))
      .map(([w, a, p, r, v]) => new Batch(w, a, p, r, v)),
  ],
  // Medium-sized sequences: long enough to save, unsave and save again what earlier steps made.
  { maxCommands: 30, size: '+1' },
);

const runs = Number(process.env['FUZZ_RUNS'] ?? 60);

describe('model-based fuzzing', () => {
  it('random operation sequences by random principals agree with the model, over REST, GraphQL and Groove', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const real: Real = { world: await createWorld() };
        const library = { alice: [], bob: [], carol: [], dave: [] };
        await fc.asyncModelRun(() => ({ model: { tracks: [], collections: [], library }, real }), cmds);
        await dispose(real.world);
      }),
      { numRuns: runs },
    );
    // The figure docs/reliability.md quotes.
    console.log(`model-based fuzzing: ${steps} steps checked; by kind ${JSON.stringify(Object.fromEntries(byKind))}`);
    expect(steps).toBeGreaterThan(runs);
    // Its running time follows the shared machine's load (10-20 s when quiet, 40 s seen under
    // load); the default 30 s timeout is meant for single tests.
  }, 180_000);
});
