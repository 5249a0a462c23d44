import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addTrackToCollection, createCollection } from '../../src/domain/collections.js';
import { createTrack } from '../../src/domain/tracks.js';
import { authenticate } from '../../src/domain/viewer.js';
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
  /** Moves on once with every change of the collection or its entries, and only then. */
  version: number;
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
const pick = <T>(list: T[], index: number): T | undefined =>
  list.length === 0 ? undefined : list[index % (list.length + 1)];
/**
 * For the collection edits: three indexes in four pick among the caller's own live collections or
 * visible tracks, the fourth among all (or none), so that edits often apply and often meet
 * someone else's objects.
 */
const pickOf = <T>(own: T[], all: T[], index: number): T | undefined =>
  index % 4 < 3 && own.length > 0 ? own[(index >> 2) % own.length] : pick(all, index >> 2);
const collectionFor = (m: Model, w: Who, index: number) =>
  pickOf(
    m.collections.filter((c) => c.owner === w && !c.deleted),
    m.collections,
    index,
  )?.id ?? UNKNOWN_COLLECTION;
const trackFor = (m: Model, w: Who, index: number) =>
  pickOf(
    m.tracks.filter((t) => visible(m, w, t.id)),
    m.tracks,
    index,
  )?.id ?? UNKNOWN_TRACK;
/** Mostly a track the collection holds, else any as trackFor picks it. */
const entryFor = (m: Model, w: Who, cid: string, index: number) =>
  index % 4 < 3
    ? (ownCollection(m, w, cid)?.entries[index >> 2] ?? trackFor(m, w, index >> 2))
    : trackFor(m, w, index >> 2);

const visible = (m: Model, w: Who, id: string) =>
  m.tracks.find((t) => t.id === id && !t.deleted && t.creator === w && orgOf(t.creator) === orgOf(w));
const ownCollection = (m: Model, w: Who, id: string) =>
  m.collections.find((c) => c.id === id && !c.deleted && c.owner === w);

function expectAnswer(actual: Answer, status: number, code: string | null = null) {
  expect({ status: actual.status, code: actual.code }).toEqual({ status, code });
}

let steps = 0;
/** Steps by kind, and how many of them were refusals, for the figures docs/reliability.md quotes. */
const byKind = new Map<string, number>();
/** Steps by kind that changed a collection that existed before them (its version moved on). */
const changing = new Map<string, number>();

/** Every step is followed by a full comparison of what each principal lists. */
abstract class Step implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  abstract act(m: Model, r: Real): Promise<void>;
  async run(m: Model, r: Real) {
    const versions = m.collections.map((c) => c.version);
    await this.act(m, r);
    await checkListings(m, r);
    steps++;
    const kind = this.constructor.name;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    if (versions.some((v, i) => m.collections[i]!.version !== v)) changing.set(kind, (changing.get(kind) ?? 0) + 1);
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
      {
        field: 'createTrack',
        args: `organizationId: ${q(org)}, input: { title: "fuzz" }`,
        selection: '{ id }',
        mutation: true,
      },
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
      {
        field: 'createCollection',
        args: `organizationId: ${q(org)}, input: { name: "fuzz" }`,
        selection: '{ id }',
        mutation: true,
      },
    );
    if (!canCreate(this.w)) return expectAnswer(a, 403, 'INSUFFICIENT_PERMISSIONS');
    expectAnswer(a, 201);
    m.collections.push({ id: a.id!, owner: this.w, deleted: false, entries: [], version: 1 });
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
    if (!collection.entries.includes(tid)) {
      collection.entries.push(tid);
      collection.version++;
    }
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
    if (collection.entries.includes(tid)) collection.version++;
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
      {
        field: 'deleteTrack',
        args: `organizationId: ${q(org)}, trackId: ${q(tid)}`,
        selection: '{ id }',
        mutation: true,
      },
    );
    const track = visible(m, this.w, tid);
    if (!track) return expectAnswer(a, 404, 'RESOURCE_NOT_FOUND');
    expectAnswer(a, 200);
    track.deleted = true;
    for (const c of m.collections) {
      if (c.entries.includes(tid)) c.version++;
      c.entries = c.entries.filter((e) => e !== tid);
    }
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
      {
        field: 'deleteCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}`,
        selection: '{ id }',
        mutation: true,
      },
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
    const order = [...front, ...collection.entries.filter((e) => !front.includes(e))];
    if (order.join() !== collection.entries.join()) collection.version++;
    collection.entries = order;
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
      {
        field: 'saveTrack',
        args: `organizationId: ${q(org)}, trackId: ${q(tid)}`,
        selection: '{ id }',
        mutation: true,
      },
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
      {
        field: 'unsaveTrack',
        args: `organizationId: ${q(org)}, trackId: ${q(tid)}`,
        selection: '{ id }',
        mutation: true,
      },
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
      const res = await rest(
        r.world.app,
        'POST',
        `/1/content/music/collection/${this.action === 'save' ? 'add' : 'delete'}`,
        {
          headers: { authorization: `Bearer ${keyOf(r, this.w)}` },
          body: { TrackIds: ids.map((id) => `music.${id}`) },
        },
      );
      expect(res.status, res.text).toBe(200);
      outcomes = res.body.TrackActionResults.map((item: { Error?: unknown }) => !item.Error);
      expect(res.body.Error?.ErrorCode ?? null).toBe(
        outcomes.every(Boolean) ? null : 'COLLECTION_SOME_OPERATIONS_FAILED',
      );
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
  override toString = () =>
    `${this.action}Tracks(${this.w}, [${this.picks}]${this.repeat ? ' + first again' : ''}, ${this.via})`;
}

type EditVia = 'graphql' | 'rest' | 'groove';
const editVia = fc.constantFrom<EditVia>('graphql', 'rest', 'groove');

/** One id's outcome as every surface reports it: success, or the code of its own failure. */
type Item = { ok: true; position?: number } | { ok: false; code: string };
type Whole = { status: number; code: string | null; items?: Item[] };

/** Groove's words for the codes a collection edit can answer (src/wire/errors.ts). */
const GROOVE: Record<string, [number, string]> = {
  RESOURCE_NOT_FOUND: [400, 'COLLECTION_INVALID_ID'],
  TRACK_ALREADY_IN_COLLECTION: [400, 'COLLECTION_INVALID_ID'],
  INVALID_TRACK_MOVE: [400, 'COLLECTION_INVALID_PLAYLIST_REORDER'],
  INSUFFICIENT_PERMISSIONS: [403, 'INSUFFICIENT_PERMISSIONS'],
};
const inGroove = (w: Whole): Whole => ({
  status: w.code ? GROOVE[w.code]![0] : 200,
  code: w.code ? GROOVE[w.code]![1] : null,
  items: w.items?.map((i) => (i.ok ? { ok: true } : { ok: false, code: GROOVE[i.code]![1] })),
});

/** A batch edit over GraphQL (`field`), REST (`restCall`) or Groove's playlist update (`grooveBody`). */
async function editCall(
  r: Real,
  w: Who,
  via: EditVia,
  graphql: { field: string; args: string; items: boolean },
  restCall: { method: string; path: string; body: unknown } | null,
  grooveBody: unknown,
): Promise<Whole> {
  if (via === 'groove') {
    const res = await rest(r.world.app, 'POST', '/1/content/music/collection/playlists/update', {
      headers: { authorization: `Bearer ${keyOf(r, w)}` },
      body: grooveBody,
    });
    expect(res.status, res.text).toBeLessThan(500);
    if (res.status !== 200) return { status: res.status, code: res.body.Error.ErrorCode };
    const results = res.body.PlaylistActionResult.TrackActionResults;
    // An update without track actions answers none.
    if (!results) return { status: 200, code: null, ...(graphql.items ? { items: [] } : {}) };
    expect(res.body.Error?.ErrorCode ?? null).toBe(
      results.some((x: any) => x.Error) ? 'COLLECTION_SOME_OPERATIONS_FAILED' : null,
    );
    return {
      status: 200,
      code: null,
      items: results.map((x: any) => (x.Error ? { ok: false, code: x.Error.ErrorCode } : { ok: true })),
    };
  }
  const item = (x: any): Item => (x.success ? { ok: true, position: x.position } : { ok: false, code: x.error.code });
  if (via === 'rest' && restCall) {
    const res = await rest(r.world.app, restCall.method, restCall.path, { key: keyOf(r, w), body: restCall.body });
    expect(res.status, res.text).toBeLessThan(500);
    if (res.status !== 200) return { status: res.status, code: res.body.error.code };
    // The ETag is the version the body shows.
    const { collection } = graphql.items ? res.body : { collection: res.body };
    expect(res.headers.get('etag')).toBe(
      `"${(await rest(r.world.app, 'GET', restCall.path.replace(/\/tracks$/, ''), { key: keyOf(r, w) })).headers.get('etag')?.slice(1, -1)}"`,
    );
    expect(collection.track_count).toBeTypeOf('number');
    return { status: 200, code: null, items: graphql.items ? res.body.results.map(item) : undefined };
  }
  const selection = graphql.items ? '{ collection { id } results { success position error { code } } }' : '{ id }';
  const res = await gql(r.world.app, `mutation { r: ${graphql.field}(${graphql.args}) ${selection} }`, {}, keyOf(r, w));
  const error = res.body.errors?.[0];
  expect(error?.extensions?.status ?? 200, res.text).toBeLessThan(500);
  if (error) return { status: error.extensions.status, code: error.extensions.code };
  return { status: 200, code: null, items: graphql.items ? res.body.data.r.results.map(item) : undefined };
}

const expectWhole = (actual: Whole, expected: Whole, via: EditVia) =>
  expect(actual).toEqual(via === 'groove' ? inGroove(expected) : expected);

/** addTracksToCollection (GraphQL, REST with track_ids, Groove's Add, which appends). */
class BatchAdd extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly picks: number[],
    readonly position: number | null,
    readonly via: EditVia,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = collectionFor(m, this.w, this.c);
    const ids = this.picks.map((p) => trackFor(m, this.w, p));
    // Scaled to the collection's length, one past it (refused) now and then.
    const held = ownCollection(m, this.w, cid)?.entries.length ?? 0;
    const position = this.via === 'groove' || this.position === null ? null : this.position % (held + 2);
    const a = await editCall(
      r,
      this.w,
      this.via,
      {
        field: 'addTracksToCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, trackIds: ${q(ids)}${position === null ? '' : `, position: ${position}`}`,
        items: true,
      },
      {
        method: 'POST',
        path: `/v1/music/${org}/collections/${cid}/tracks`,
        body: { track_ids: ids, ...(position === null ? {} : { position }) },
      },
      { Id: `music.playlist.${cid}`, TrackActions: ids.map((id) => ({ Id: `music.${id}`, Action: 'Add' })) },
    );
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectWhole(a, { status: 404, code: 'RESOURCE_NOT_FOUND' }, this.via);
    const at = position ?? collection.entries.length;
    if (at > collection.entries.length) return expectWhole(a, { status: 422, code: 'VALIDATION_ERROR' }, this.via);
    const first = new Map<string, Item>();
    const adding: string[] = [];
    for (const id of ids) {
      if (first.has(id)) continue;
      if (!visible(m, this.w, id)) first.set(id, { ok: false, code: 'RESOURCE_NOT_FOUND' });
      else if (collection.entries.includes(id)) first.set(id, { ok: false, code: 'TRACK_ALREADY_IN_COLLECTION' });
      else first.set(id, { ok: true, position: at + adding.push(id) - 1 });
    }
    expectWhole(a, { status: 200, code: null, items: ids.map((id) => first.get(id)!) }, this.via);
    if (adding.length === 0) return;
    collection.entries.splice(at, 0, ...adding);
    collection.version++;
  }
  override toString = () => `addTracks(${this.w}, c${this.c}, [${this.picks}], at ${this.position}, ${this.via})`;
}

/** removeTracksFromCollection (GraphQL, REST's DELETE …/tracks, Groove's Delete). */
class BatchRemove extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly picks: number[],
    readonly via: EditVia,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = collectionFor(m, this.w, this.c);
    const ids = this.picks.map((p) => entryFor(m, this.w, cid, p));
    const a = await editCall(
      r,
      this.w,
      this.via,
      {
        field: 'removeTracksFromCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, trackIds: ${q(ids)}`,
        items: true,
      },
      { method: 'DELETE', path: `/v1/music/${org}/collections/${cid}/tracks`, body: { track_ids: ids } },
      { Id: `music.playlist.${cid}`, TrackActions: ids.map((id) => ({ Id: `music.${id}`, Action: 'Delete' })) },
    );
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectWhole(a, { status: 404, code: 'RESOURCE_NOT_FOUND' }, this.via);
    const items = ids.map((id): Item => {
      const at = collection.entries.indexOf(id);
      return at >= 0 ? { ok: true, position: at } : { ok: false, code: 'RESOURCE_NOT_FOUND' };
    });
    expectWhole(a, { status: 200, code: null, items }, this.via);
    const left = collection.entries.filter((e) => !ids.includes(e));
    if (left.length !== collection.entries.length) collection.version++;
    collection.entries = left;
  }
  override toString = () => `removeTracks(${this.w}, c${this.c}, [${this.picks}], ${this.via})`;
}

/** moveTracksInCollection over GraphQL or REST's PATCH …/tracks. */
class MoveRange extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly start: number,
    readonly length: number,
    readonly before: number,
    readonly via: 'graphql' | 'rest',
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = collectionFor(m, this.w, this.c);
    // Scaled to fit the collection mostly; a length of 0 and an insertion point past the end now and then.
    const held = ownCollection(m, this.w, cid)?.entries.length ?? 0;
    const start = held > 0 ? this.start % held : this.start;
    const length = this.length === 0 ? 0 : 1 + ((this.length - 1) % Math.max(1, held - start));
    const before = this.before === 6 ? held + 1 : this.before % (held + 1);
    const a = await editCall(
      r,
      this.w,
      this.via,
      {
        field: 'moveTracksInCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, rangeStart: ${start}, rangeLength: ${length}, insertBefore: ${before}`,
        items: false,
      },
      {
        method: 'PATCH',
        path: `/v1/music/${org}/collections/${cid}/tracks`,
        body: { range_start: start, range_length: length, insert_before: before },
      },
      null,
    );
    // The numbers are checked before the collection is looked up.
    if (length < 1) return expectWhole(a, { status: 422, code: 'VALIDATION_ERROR' }, this.via);
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectWhole(a, { status: 404, code: 'RESOURCE_NOT_FOUND' }, this.via);
    const n = collection.entries.length;
    if (start + length > n || before > n) return expectWhole(a, { status: 422, code: 'INVALID_TRACK_MOVE' }, this.via);
    expectWhole(a, { status: 200, code: null }, this.via);
    if (before >= start && before <= start + length) return;
    const block = collection.entries.slice(start, start + length);
    const rest = [...collection.entries.slice(0, start), ...collection.entries.slice(start + length)];
    const at = before > start ? before - length : before;
    collection.entries = [...rest.slice(0, at), ...block, ...rest.slice(at)];
    collection.version++;
  }
  override toString = () =>
    `moveRange(${this.w}, c${this.c}, ${this.start}+${this.length} before ${this.before}, ${this.via})`;
}

/** moveSelectedTracksInCollection over GraphQL, or Groove's Move. */
class MoveSelection extends Step {
  constructor(
    readonly w: Who,
    readonly c: number,
    readonly picks: number[],
    readonly before: number | null,
    readonly via: 'graphql' | 'groove',
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const org = orgOf(this.w);
    const cid = collectionFor(m, this.w, this.c);
    const ids = this.picks.map((p) => entryFor(m, this.w, cid, p));
    const before = this.before === null ? null : entryFor(m, this.w, cid, this.before);
    const a = await editCall(
      r,
      this.w,
      this.via,
      {
        field: 'moveSelectedTracksInCollection',
        args: `organizationId: ${q(org)}, collectionId: ${q(cid)}, trackIds: ${q(ids)}${before === null ? '' : `, insertBeforeTrackId: ${q(before)}`}`,
        items: false,
      },
      null,
      {
        Id: `music.playlist.${cid}`,
        InsertBeforeTrackId: before && `music.${before}`,
        TrackActions: ids.map((id) => ({ Id: `music.${id}`, Action: 'Move' })),
      },
    );
    const moving = [...new Set(ids)];
    if (before !== null && moving.includes(before))
      return expectWhole(a, { status: 422, code: 'INVALID_TRACK_MOVE' }, this.via);
    const collection = ownCollection(m, this.w, cid);
    if (!collection) return expectWhole(a, { status: 404, code: 'RESOURCE_NOT_FOUND' }, this.via);
    if ([...moving, ...(before === null ? [] : [before])].some((id) => !collection.entries.includes(id))) {
      return expectWhole(a, { status: 422, code: 'INVALID_TRACK_MOVE' }, this.via);
    }
    expectWhole(a, { status: 200, code: null }, this.via);
    const rest = collection.entries.filter((e) => !moving.includes(e));
    const at = before === null ? rest.length : rest.indexOf(before);
    const order = [...rest.slice(0, at), ...moving, ...rest.slice(at)];
    if (order.join() !== collection.entries.join()) collection.version++;
    collection.entries = order;
  }
  override toString = () => `moveSelection(${this.w}, c${this.c}, [${this.picks}] before ${this.before}, ${this.via})`;
}

/** Groove's playlist create with Add actions: createCollection, then addTracksToCollection. */
class GrooveCreatePlaylist extends Step {
  constructor(
    readonly w: Who,
    readonly picks: number[],
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const ids = this.picks.map((p) => trackFor(m, this.w, p));
    const res = await rest(r.world.app, 'POST', '/1/content/music/collection/playlists/create', {
      headers: { authorization: `Bearer ${keyOf(r, this.w)}` },
      body: {
        Name: 'fuzz',
        ...(ids.length ? { TrackActions: ids.map((id) => ({ Id: `music.${id}`, Action: 'Add' })) } : {}),
      },
    });
    if (!canCreate(this.w))
      return expect([res.status, res.body.Error.ErrorCode]).toEqual([403, 'INSUFFICIENT_PERMISSIONS']);
    expect(res.status, res.text).toBe(200);
    const id = (res.body.PlaylistActionResult.Id as string).replace('music.playlist.', '');
    const collection: MCollection = { id, owner: this.w, deleted: false, entries: [], version: 1 };
    m.collections.push(collection);
    const outcomes = new Map<string, boolean>();
    for (const tid of ids) {
      if (outcomes.has(tid)) continue;
      const ok = visible(m, this.w, tid) !== undefined;
      outcomes.set(tid, ok);
      if (ok) collection.entries.push(tid);
    }
    if (collection.entries.length) collection.version++;
    const results = res.body.PlaylistActionResult.TrackActionResults ?? [];
    expect(results.map((x: any) => !x.Error)).toEqual(ids.map((tid) => outcomes.get(tid)));
  }
  override toString = () => `grooveCreatePlaylist(${this.w}, [${this.picks}])`;
}

/** What each principal lists must be exactly what the model holds for them. */
async function checkListings(m: Model, r: Real) {
  for (const w of ['alice', 'bob', 'carol', 'dave'] as const) {
    const org = orgOf(w);
    const listed = await rest(r.world.app, 'GET', `/v1/music/${org}/collections?limit=100`, { key: keyOf(r, w) });
    const mine = m.collections.filter((c) => c.owner === w && !c.deleted);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual(mine.map((c) => c.id).reverse());
    // Every collection's entries with contiguous positions from 0, its count and version, and the
    // total, in one query (within the cost limit: a run makes far fewer, and shorter, collections).
    expect(mine.length).toBeLessThanOrEqual(25);
    expect(Math.max(0, ...mine.map((c) => c.entries.length))).toBeLessThanOrEqual(40);
    const held = await gql(
      r.world.app,
      `query($o: ID) { collections(organizationId: $o, first: 25) { totalCount
        edges { node { id trackCount version tracks(first: 40) { edges { position node { id } } } } } } }`,
      { o: org },
      keyOf(r, w),
    );
    expect(held.body.data.collections).toEqual({
      totalCount: mine.length,
      edges: [...mine].reverse().map((c) => ({
        node: {
          id: c.id,
          trackCount: c.entries.length,
          version: c.version,
          tracks: { edges: c.entries.map((id, position) => ({ position, node: { id } })) },
        },
      })),
    });
    const library = await rest(r.world.app, 'GET', `/v1/music/${org}/tracks?limit=100`, { key: keyOf(r, w) });
    const live = m.library[w].filter((id) => !m.tracks.find((t) => t.id === id)?.deleted);
    expect(library.body.items.map((t: { id: string }) => t.id)).toEqual(live.reverse());
  }
}

/**
 * Each run starts with five tracks and a collection of three of them for each principal who can create, so that
 * edits of one's own collections happen in short sequences too; the model starts the same.
 */
async function seeded(world: World): Promise<Model> {
  const model: Model = { tracks: [], collections: [], library: { alice: [], bob: [], carol: [], dave: [] } };
  // Through the domain functions, as the HTTP steps would do it, only faster.
  for (const w of ['alice', 'bob', 'dave'] as const) {
    const organizationId = orgOf(w);
    const viewer = (await authenticate(world.deps, world[w].key))!;
    const created = await createCollection(world.deps, viewer, { organizationId, name: `${w}'s` });
    const collection: MCollection = { id: created.id, owner: w, deleted: false, entries: [], version: 1 };
    for (let i = 0; i < 5; i++) {
      const track = await createTrack(world.deps, viewer, { organizationId, title: `${w} ${i}` });
      model.tracks.push({ id: track.id, creator: w, deleted: false });
      model.library[w].push(track.id);
      // Two of them in no collection, to be added.
      if (i >= 2) continue;
      await addTrackToCollection(world.deps, viewer, {
        organizationId,
        collectionId: collection.id,
        trackId: track.id,
      });
      collection.entries.push(track.id);
      collection.version++;
    }
    model.collections.push(collection);
  }
  return model;
}

const index = fc.nat({ max: 12 });
// The collection edits twice over: edits of one's own collections are what they are here for.
const edits = [
  fc
    .tuple(who, index, fc.array(index, { maxLength: 5 }), fc.option(fc.nat({ max: 6 }), { nil: null }), editVia)
    .map(([w, c, p, at, v]) => new BatchAdd(w, c, p, at, v)),
  fc.tuple(who, index, fc.array(index, { maxLength: 5 }), editVia).map(([w, c, p, v]) => new BatchRemove(w, c, p, v)),
  fc
    .tuple(
      who,
      index,
      fc.nat({ max: 5 }),
      fc.nat({ max: 3 }),
      fc.nat({ max: 6 }),
      fc.constantFrom<'graphql' | 'rest'>('graphql', 'rest'),
    )
    .map(([w, c, s, l, b, v]) => new MoveRange(w, c, s, l, b, v)),
  fc
    .tuple(
      who,
      index,
      fc.array(index, { minLength: 1, maxLength: 4 }),
      fc.option(index, { nil: null }),
      fc.constantFrom<'graphql' | 'groove'>('graphql', 'groove'),
    )
    .map(([w, c, p, b, v]) => new MoveSelection(w, c, p, b, v)),
];
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
      .tuple(
        who,
        fc.constantFrom<'save' | 'unsave'>('save', 'unsave'),
        fc.array(index, { maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom<'graphql' | 'groove'>('graphql', 'groove'),
      )
      .map(([w, a, p, r, v]) => new Batch(w, a, p, r, v)),
    ...edits,
    ...edits,
    fc.tuple(who, fc.array(index, { maxLength: 4 })).map(([w, p]) => new GrooveCreatePlaylist(w, p)),
  ],
  // Medium-sized sequences: long enough to save, unsave and save again what earlier steps made.
  { maxCommands: 30, size: '+1' },
);

const runs = Number(process.env.FUZZ_RUNS ?? 60);

describe('model-based fuzzing', () => {
  it('random operation sequences by random principals agree with the model, over REST, GraphQL and Groove', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const real: Real = { world: await createWorld() };
        const model = await seeded(real.world);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await dispose(real.world);
      }),
      { numRuns: runs },
    );
    // The figure docs/reliability.md quotes.
    console.log(
      `model-based fuzzing: ${steps} steps checked; by kind ${JSON.stringify(Object.fromEntries(byKind))}; ` +
        `changing a collection ${JSON.stringify(Object.fromEntries(changing))}`,
    );
    expect(steps).toBeGreaterThan(runs);
    // Its running time follows the shared machine's load (on SQLite 10-20 s when quiet, 50 s seen
    // under load; PGlite takes two to four times as long); the default 30 s timeout is meant for
    // single tests.
  }, 480_000);
});
