// Every number, pattern and fixed value set a rule uses, defined once. The domain's checks, the
// GraphQL descriptions, the REST defaults, the OpenAPI schemas and the Groove messages all read
// them from here, so changing one changes every surface together (test/limits-derived.test.ts).

/** A connection's page: the size when none is asked for, and the largest allowed. */
export interface PageLimits {
  readonly defaultSize: number;
  readonly maxSize: number;
}

export const COLLECTIONS_PAGE: PageLimits = { defaultSize: 50, maxSize: 100 };
export const COLLECTION_TRACKS_PAGE: PageLimits = { defaultSize: 200, maxSize: 500 };
export const LIBRARY_PAGE: PageLimits = { defaultSize: 50, maxSize: 100 };
/** Groove's collection browse (`maxItems`): 25 by default, and at most 25, as in the Groove API. */
export const GROOVE_BROWSE_PAGE: PageLimits = { defaultSize: 25, maxSize: 25 };

/**
 * Ids per batch (saveTracks / unsaveTracks, the collection batch edits and the Groove batches and
 * playlist track actions), as in the Groove API.
 */
export const BATCH_MAX_IDS = 100;
/** Ids one reorder may list. */
export const REORDER_MAX_IDS = 10_000;

// Lengths are Unicode code points (see validation.ts).
export const NAME_MAX = 512;
/** A playlist's name over the Groove endpoints, as the Groove API limits it (a collection's own is NAME_MAX). */
export const PLAYLIST_NAME_MAX = 256;
export const URL_MAX = 1024;
export const DESCRIPTION_MAX = 4000;
/** An API key's label (admin CLI). */
export const LABEL_MAX = 200;
export const EMAIL_MAX = 320;

export const MAX_DURATION_SECONDS = 24 * 60 * 60;
export const ENGINE_MAX = 64;
export const ENGINE_PATTERN = new RegExp(`^[a-z0-9][a-z0-9_-]{0,${ENGINE_MAX - 1}}$`);
export const DEFAULT_ENGINE = 'studio';
export const trackModes = ['creation', 'focus'] as const;
export const DEFAULT_MODE: (typeof trackModes)[number] = 'creation';

export const shareVisibilities = ['link_only', 'public'] as const;
export const DEFAULT_VISIBILITY: (typeof shareVisibilities)[number] = 'link_only';
/** Longer expiries are clamped to this. */
export const MAX_EXPIRY_DAYS = 90;
/** A resolved collection share shows at most this many tracks, in position order. */
export const SHARED_COLLECTION_TRACKS = 500;

export const ORG_ID_PATTERN = /^org_[A-Za-z0-9_-]{1,64}$/;

/**
 * The most an operation may cost in the cost model's points (src/domain/cost.ts); more is refused
 * (QUERY_LIMIT_EXCEEDED) before any resolver runs. Measured: the most expensive operation it
 * admits costs at most 100 ms of server CPU and 2 MB of response on the benchmark machine
 * (bench/cost-limit.ts, bench/findings.md).
 */
export const OPERATION_COST_LIMIT = 200_000;

/**
 * Per-key budgets: a token bucket of `capacity` points refilled at `restorePerSecond`, charged with
 * each operation's cost; 0 turns it off. The defaults let a key run ten of the most expensive
 * operations back to back (one second of server CPU) and then one a second.
 */
export const DEFAULT_COST_BUDGET = {
  capacity: 10 * OPERATION_COST_LIMIT,
  restorePerSecond: OPERATION_COST_LIMIT,
} as const;

/**
 * Memberships are granted by operators, never by API callers, and no rule caps them: the cost
 * model counts a viewer's organization list at this size.
 */
export const COUNTED_MEMBERSHIPS = 10;
