import { describe, expect, it } from 'vitest';
import { entryRange, type CollectionRow } from '../src/domain/collections.js';
import { DomainError } from '../src/domain/errors.js';
import { COLLECTION_TRACKS_PAGE } from '../src/domain/limits.js';
import { decodeCursor, encodeCursor, finishPage, keysetWindow, type PageArgs } from '../src/domain/pagination.js';

// The pagination windows as plain functions: which rows a page asks for, and which positions of a
// collection a page of its tracks covers. The HTTP tests show them through every surface; these
// pin down the edges (empty, last page, backwards, offsets) one by one.

const limits = { defaultSize: 3, maxSize: 5 };

function refusal(fn: () => unknown): { field: unknown; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return { field: error.details.field, message: error.systemMessage };
    throw error;
  }
  throw new Error('expected a VALIDATION_ERROR');
}

describe('keysetWindow', () => {
  it('defaults to the default size, forward, from the start', () => {
    expect(keysetWindow({}, limits)).toEqual({ size: 3, afterKey: null, beforeKey: null, backward: false, offset: 0 });
  });

  it('reads cursors as the integer keys they encode', () => {
    const window = keysetWindow({ first: 2, after: encodeCursor(41) }, limits);
    expect([window.size, window.afterKey, window.backward]).toEqual([2, 41, false]);
    const back = keysetWindow({ last: 4, before: encodeCursor(7) }, limits);
    expect([back.size, back.beforeKey, back.backward]).toEqual([4, 7, true]);
  });

  it('takes the largest size and refuses one more, zero, negatives and fractions, naming the argument', () => {
    expect(keysetWindow({ first: 5 }, limits).size).toBe(5);
    for (const args of [{ first: 6 }, { first: 0 }, { first: -1 }, { first: 1.5 }] as PageArgs[]) {
      expect(refusal(() => keysetWindow(args, limits))).toEqual({
        field: 'first',
        message: 'first must be between 1 and 5',
      });
    }
    expect(refusal(() => keysetWindow({ last: 6 }, limits)).field).toBe('last');
  });

  it('refuses mixing directions, offset with after, and a negative offset', () => {
    expect(refusal(() => keysetWindow({ first: 1, last: 1 }, limits)).field).toBe('last');
    expect(refusal(() => keysetWindow({ before: encodeCursor(1), offset: 2 }, limits)).field).toBe('last');
    expect(refusal(() => keysetWindow({ after: encodeCursor(1), offset: 2 }, limits)).field).toBe('offset');
    expect(refusal(() => keysetWindow({ offset: -1 }, limits)).field).toBe('offset');
  });

  it('refuses cursors that do not decode to a non-negative integer key', () => {
    for (const cursor of [
      '',
      'bad',
      encodeCursor(-1),
      Buffer.from('k:1.5').toString('base64url'),
      Buffer.from('x:1').toString('base64url'),
    ]) {
      expect(
        refusal(() => keysetWindow({ after: cursor }, limits)),
        cursor,
      ).toEqual({ field: 'after', message: 'after is not a valid cursor' });
    }
    expect(decodeCursor('before', encodeCursor(0))).toBe(0);
  });
});

describe('finishPage', () => {
  it('drops the extra row that says there is more, and flips a backward read', () => {
    const forward = keysetWindow({ first: 2 }, limits);
    expect(finishPage([9, 8, 7], forward)).toEqual({ items: [9, 8], hasNextPage: true, hasPreviousPage: false });
    expect(finishPage([9], forward)).toEqual({ items: [9], hasNextPage: false, hasPreviousPage: false });
    const backward = keysetWindow({ last: 2, before: encodeCursor(5) }, limits);
    expect(finishPage([4, 3, 2], backward)).toEqual({ items: [3, 4], hasNextPage: true, hasPreviousPage: true });
    expect(finishPage([], keysetWindow({ offset: 1 }, limits))).toEqual({
      items: [],
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });
});

describe('entryRange', () => {
  const collection = (trackCount: number) => ({ trackCount }) as CollectionRow;

  it('covers the first page by default, and nothing of an empty collection', () => {
    expect(entryRange(collection(1000), {})).toEqual({
      start: 0,
      end: COLLECTION_TRACKS_PAGE.defaultSize,
      hasNextPage: true,
      hasPreviousPage: false,
    });
    expect(entryRange(collection(0), {})).toEqual({ start: 0, end: 0, hasNextPage: false, hasPreviousPage: false });
  });

  it('continues after a cursor (a position) and stops at the last entry', () => {
    expect(entryRange(collection(10), { first: 4, after: encodeCursor(3) })).toEqual({
      start: 4,
      end: 8,
      hasNextPage: true,
      hasPreviousPage: true,
    });
    expect(entryRange(collection(10), { first: 4, after: encodeCursor(7) })).toEqual({
      start: 8,
      end: 10,
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(entryRange(collection(10), { first: 4, after: encodeCursor(9) })).toEqual({
      start: 10,
      end: 10,
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it('starts an offset at that position; past the end is an empty page, never a negative range', () => {
    expect(entryRange(collection(10), { first: 3, offset: 5 })).toEqual({
      start: 5,
      end: 8,
      hasNextPage: true,
      hasPreviousPage: true,
    });
    expect(entryRange(collection(10), { first: 3, offset: 50 })).toEqual({
      start: 50,
      end: 50,
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it('reads backwards from before a cursor, or from the end', () => {
    expect(entryRange(collection(10), { last: 3 })).toEqual({
      start: 7,
      end: 10,
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(entryRange(collection(10), { last: 3, before: encodeCursor(2) })).toEqual({
      start: 0,
      end: 2,
      hasNextPage: true,
      hasPreviousPage: false,
    });
    expect(entryRange(collection(10), { last: 3, before: encodeCursor(50) })).toEqual({
      start: 7,
      end: 10,
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });
});
