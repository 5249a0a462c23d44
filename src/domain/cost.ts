import {
  BATCH_MAX_IDS,
  COLLECTION_TRACKS_PAGE,
  COLLECTIONS_PAGE,
  COUNTED_MEMBERSHIPS,
  LIBRARY_PAGE,
  type PageLimits,
  REORDER_MAX_IDS,
  SHARED_COLLECTION_TRACKS,
} from './limits.js';
import type { PageArgs } from './pagination.js';

// The cost model: what an operation will cost, computed before anything runs from the sizes it
// asks for as they will run (variables, literals, and the default a page takes when its size is
// omitted). Nested lists multiply: a page of 100 collections each with 500 tracks holds 50,000
// tracks. A point is about a quarter of a microsecond of server CPU on the benchmark machine: one
// value of the answer is a point, and each kind of work beyond building values weighs what it was
// measured to cost (bench/cost-limit.ts calibrates them; figures in bench/findings.md). The limit is
// measured the same way: the most expensive operation it admits costs at most 100 ms of server CPU
// and 2 MB of response on the benchmark machine.

/** Points per unit of work. */
export const COST_WEIGHTS = {
  /** Every value of the answer: a field, or an item of a list of scalars. */
  value: 1,
  /** An object in a list (a row of a page, an item of a batch): fetched, mapped and resolved. */
  row: 30,
  /** A row of the library: a save joined to its track, about three times a collection's entry. */
  libraryRow: 90,
  /** A page nested in each item of a page (a collection's tracks): its share of the batched read. */
  nestedPage: 45,
  /** A field that reads the database itself, at the root (a lookup, a page, the viewer). */
  read: 100,
  /** A mutation: one write transaction and its audit row. */
  write: 250,
  /** Each id of a batch mutation: a lookup and a write of its own. */
  batchItem: 350,
  /** Each id of a reorder: matched in memory against the collection's entries. */
  reorderItem: 2,
  /** Resolving a share token: hashing it, then the link and what it points to. */
  share: 150,
  /** A value of an introspection answer: graphql-js builds those from the schema, field by field. */
  introspectionValue: 12,
} as const;

/** How many items a list field may hold, for the fields whose size is a domain rule. */
export type ListSize =
  /** A connection page: the size its arguments ask for, or the default. */
  | { page: PageLimits }
  /** A list with a fixed upper bound. */
  | { atMost: number }
  /** As many items as a list argument holds (a batch), up to its limit. */
  | { argument: string; atMost: number };

export const LIST_SIZES = {
  collections: { page: COLLECTIONS_PAGE },
  collectionTracks: { page: COLLECTION_TRACKS_PAGE },
  library: { page: LIBRARY_PAGE },
  sharedTracks: { atMost: SHARED_COLLECTION_TRACKS },
  memberships: { atMost: COUNTED_MEMBERSHIPS },
  trackBatch: { argument: 'trackIds', atMost: BATCH_MAX_IDS },
  reorder: { argument: 'orderedTrackIds', atMost: REORDER_MAX_IDS },
} as const satisfies Record<string, ListSize>;

/**
 * The most items a page can return for these arguments, as keysetWindow reads them: `last` when
 * paging backwards, else `first`, else the default. A size the resolver will refuse (below 1, above
 * the maximum) counts as the nearest size it accepts: that request fails, it does not run bigger.
 */
export function pageSize(args: PageArgs, limits: PageLimits): number {
  const backward = args.last != null || args.before != null;
  const asked = (backward ? args.last : args.first) ?? limits.defaultSize;
  return clamp(asked, limits.maxSize);
}

/** The size a list argument makes its answer, under the same rule. */
export function batchSize(items: readonly unknown[] | null | undefined, atMost: number): number {
  return clamp(items?.length ?? 0, atMost);
}

function clamp(size: number, max: number): number {
  return Number.isFinite(size) ? Math.min(max, Math.max(1, Math.floor(size))) : max;
}
