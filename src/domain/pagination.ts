import type { KeysetQuery } from '../db/database.js';
import { invalidField } from './errors.js';
import type { PageLimits } from './limits.js';

/** Relay connection arguments, plus an offset for clients of the offset/limit REST API. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  offset?: number | null;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** A keyset window over an integer key: rows strictly after `afterKey` / before `beforeKey`. */
export interface KeysetWindow {
  size: number;
  afterKey: number | null;
  beforeKey: number | null;
  /** `last`/`before` pagination: read in reverse order, then flip. */
  backward: boolean;
  offset: number;
}

// Cursors are opaque to clients; inside they are the integer key of the row.
const CURSOR_PREFIX = 'k:';

export function encodeCursor(key: number): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url');
}

export function decodeCursor(field: string, cursor: string): number {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const key = raw.startsWith(CURSOR_PREFIX) ? Number(raw.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(key) || key < 0) throw invalidField(field, `${field} is not a valid cursor`);
  return key;
}

function checkSize(field: string, value: number, limits: PageLimits): number {
  if (!Number.isInteger(value) || value < 1 || value > limits.maxSize) {
    throw invalidField(field, `${field} must be between 1 and ${limits.maxSize}`);
  }
  return value;
}

export function keysetWindow(args: PageArgs, limits: PageLimits): KeysetWindow {
  const backward = args.last != null || args.before != null;
  if (backward && (args.first != null || args.after != null || args.offset != null)) {
    throw invalidField('last', 'last/before cannot be combined with first/after/offset');
  }
  if (args.offset != null && args.after != null) throw invalidField('offset', 'offset cannot be combined with after');
  const offset = args.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidField('offset', 'offset must be a non-negative integer');
  const size = backward
    ? checkSize('last', args.last ?? limits.defaultSize, limits)
    : checkSize('first', args.first ?? limits.defaultSize, limits);
  return {
    size,
    afterKey: args.after != null ? decodeCursor('after', args.after) : null,
    beforeKey: args.before != null ? decodeCursor('before', args.before) : null,
    backward,
    offset,
  };
}

/** What the store reads for a window: one row more than a page, to tell whether another follows. */
export function keysetQuery(window: KeysetWindow): KeysetQuery {
  return {
    afterKey: window.afterKey,
    beforeKey: window.beforeKey,
    backward: window.backward,
    limit: window.size + 1,
    offset: window.offset,
  };
}

/** Turns `size + 1` rows read in window order into a page in display order. */
export function finishPage<T>(rows: T[], window: KeysetWindow): Page<T> {
  const hasMore = rows.length > window.size;
  const items = hasMore ? rows.slice(0, window.size) : rows;
  if (window.backward) {
    return { items: items.reverse(), hasNextPage: window.beforeKey !== null, hasPreviousPage: hasMore };
  }
  return { items, hasNextPage: hasMore, hasPreviousPage: window.afterKey !== null || window.offset > 0 };
}
