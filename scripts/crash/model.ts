// The model a crash-test client keeps of what the server has acknowledged.
//
// Each client writes only its own collections and tracks and sends one request at a time, so the
// order of the writes to its objects is exactly the order it sent them in, whatever the other
// clients do to the same database file meanwhile. That makes the expected state exact: the
// acknowledged writes applied in order, plus at most one write in flight when the server died,
// which may or may not have committed. Every generated write changes something (and bumps the
// collection version where it touches a collection), so a lost acknowledged write always shows.

export type Op =
  | { kind: 'createCollection'; name: string }
  | { kind: 'createTrack'; title: string }
  | { kind: 'add'; collectionId: string; trackId: string }
  | { kind: 'remove'; collectionId: string; trackId: string }
  | { kind: 'reorder'; collectionId: string; orderedTrackIds: string[] }
  | { kind: 'deleteTrack'; trackId: string }
  | { kind: 'deleteCollection'; collectionId: string };

export interface CollectionState {
  name: string;
  deleted: boolean;
  version: number;
  /** Track ids in position order. */
  entries: string[];
}

export interface TrackState {
  title: string;
  deleted: boolean;
}

export interface State {
  collections: Map<string, CollectionState>;
  tracks: Map<string, TrackState>;
}

export const emptyState = (): State => ({ collections: new Map(), tracks: new Map() });

function clone(state: State): State {
  return {
    collections: new Map([...state.collections].map(([id, c]) => [id, { ...c, entries: [...c.entries] }])),
    tracks: new Map([...state.tracks].map(([id, t]) => [id, { ...t }])),
  };
}

/** The state after `op`; `createdId` is the id the server gave a created object. */
export function apply(state: State, op: Op, createdId?: string): State {
  const next = clone(state);
  const coll = (id: string) => {
    const c = next.collections.get(id);
    if (!c) throw new Error(`model: unknown collection ${id}`);
    return c;
  };
  switch (op.kind) {
    case 'createCollection':
      next.collections.set(createdId!, { name: op.name, deleted: false, version: 1, entries: [] });
      break;
    case 'createTrack':
      next.tracks.set(createdId!, { title: op.title, deleted: false });
      break;
    case 'add': {
      const c = coll(op.collectionId);
      c.entries.push(op.trackId);
      c.version++;
      break;
    }
    case 'remove': {
      const c = coll(op.collectionId);
      c.entries = c.entries.filter((t) => t !== op.trackId);
      c.version++;
      break;
    }
    case 'reorder': {
      // README: listed tracks first in listed order, the others keep their relative order.
      const c = coll(op.collectionId);
      const listed = op.orderedTrackIds.filter((t) => c.entries.includes(t));
      c.entries = [...listed, ...c.entries.filter((t) => !listed.includes(t))];
      c.version++;
      break;
    }
    case 'deleteTrack':
      // A deleted track leaves every collection holding it, deleted collections included.
      next.tracks.get(op.trackId)!.deleted = true;
      for (const c of next.collections.values()) {
        if (c.entries.includes(op.trackId)) {
          c.entries = c.entries.filter((t) => t !== op.trackId);
          c.version++;
        }
      }
      break;
    case 'deleteCollection': {
      const c = coll(op.collectionId);
      c.deleted = true;
      c.version++;
      break;
    }
  }
  return next;
}

export interface HttpCall {
  method: string;
  path: string;
  body?: unknown;
  status: 200 | 201;
}

export function toHttp(org: string, op: Op): HttpCall {
  const base = `/v1/music/${org}`;
  switch (op.kind) {
    case 'createCollection':
      return { method: 'POST', path: `${base}/collections`, body: { name: op.name }, status: 201 };
    case 'createTrack':
      return { method: 'POST', path: `${base}/tracks`, body: { title: op.title, duration_seconds: 120 }, status: 201 };
    case 'add':
      return {
        method: 'POST',
        path: `${base}/collections/${op.collectionId}/tracks`,
        body: { track_id: op.trackId },
        status: 200,
      };
    case 'remove':
      return { method: 'DELETE', path: `${base}/collections/${op.collectionId}/tracks/${op.trackId}`, status: 200 };
    case 'reorder':
      return {
        method: 'PATCH',
        path: `${base}/collections/${op.collectionId}/order`,
        body: { ordered_track_ids: op.orderedTrackIds },
        status: 200,
      };
    case 'deleteTrack':
      return { method: 'DELETE', path: `${base}/tracks/${op.trackId}`, status: 200 };
    case 'deleteCollection':
      return { method: 'DELETE', path: `${base}/collections/${op.collectionId}`, status: 200 };
  }
}

/** A small seeded generator (mulberry32), so a failing run's choice of writes can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_LIVE_COLLECTIONS = 4;
const MAX_LIVE_TRACKS = 8;

/** A write that is valid and not a no-op in `state`; sizes stay small so checks stay cheap. */
export function nextOp(state: State, random: () => number, label: string): Op {
  // Callers check for emptiness first.
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const liveCollections = [...state.collections].filter(([, c]) => !c.deleted);
  const liveTracks = [...state.tracks].filter(([, t]) => !t.deleted).map(([id]) => id);
  const choices: [number, () => Op | null][] = [
    [
      liveCollections.length === 0 ? 50 : liveCollections.length < MAX_LIVE_COLLECTIONS ? 1 : 0,
      () => ({ kind: 'createCollection', name: label }),
    ],
    [
      liveTracks.length < 2 ? 50 : liveTracks.length < MAX_LIVE_TRACKS ? 2 : 0,
      () => ({ kind: 'createTrack', title: label }),
    ],
    [
      6,
      () => {
        if (!liveCollections.length) return null;
        const [collectionId, c] = pick(liveCollections);
        const outside = liveTracks.filter((t) => !c.entries.includes(t));
        return outside.length ? { kind: 'add', collectionId, trackId: pick(outside) } : null;
      },
    ],
    [
      3,
      () => {
        if (!liveCollections.length) return null;
        const [collectionId, c] = pick(liveCollections);
        return c.entries.length ? { kind: 'remove', collectionId, trackId: pick(c.entries) } : null;
      },
    ],
    [
      3,
      () => {
        if (!liveCollections.length) return null;
        const [collectionId, c] = pick(liveCollections);
        if (c.entries.length < 2) return null;
        const shuffled = [...c.entries].sort(() => random() - 0.5);
        let listed = shuffled.slice(0, 1 + Math.floor(random() * shuffled.length));
        const after = apply(state, { kind: 'reorder', collectionId, orderedTrackIds: listed });
        // An order that changes nothing would not bump the version; swap the first two instead.
        if (after.collections.get(collectionId)!.entries.join() === c.entries.join())
          listed = [c.entries[1]!, c.entries[0]!];
        return { kind: 'reorder', collectionId, orderedTrackIds: listed };
      },
    ],
    [liveTracks.length > 3 ? 1 : 0, () => ({ kind: 'deleteTrack', trackId: pick(liveTracks) })],
    [liveCollections.length > 2 ? 1 : 0, () => ({ kind: 'deleteCollection', collectionId: pick(liveCollections)[0] })],
  ];
  for (;;) {
    const open = choices.filter(([w]) => w > 0);
    const total = open.reduce((sum, [w]) => sum + w, 0);
    let r = random() * total;
    const choice = open.find(([w]) => (r -= w) < 0) ?? open[open.length - 1]!;
    const op = choice[1]();
    if (op) return op;
  }
}
