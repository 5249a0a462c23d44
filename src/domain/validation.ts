import { invalidField } from './errors.js';
import { BATCH_MAX_IDS, NAME_MAX, PLAYLIST_NAME_MAX, URL_MAX } from './limits.js';

// Lengths are counted in Unicode code points, so an emoji is one character, as a person counts it.
export const codePoints = (value: string): number => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

/** A required, non-blank name of 1 to `max` code points. */
export function checkName(field: string, value: string, max = NAME_MAX): string {
  const length = codePoints(value);
  if (length < 1 || length > max) throw invalidField(field, `${field} must be between 1 and ${max} characters`);
  if (value.trim() === '') throw invalidField(field, `${field} must not be blank`);
  return checkText(field, value, max);
}

/**
 * A playlist's name as a Groove client sends it: a collection name, within Groove's shorter limit
 * (the Groove endpoints check it before they create or rename the collection).
 */
export const checkPlaylistName = (value: string): string => checkName('name', value, PLAYLIST_NAME_MAX);

/** The batch limit, checked before anything is looked up (and by Groove before it creates a playlist). */
export function checkTrackBatch(trackIds: readonly unknown[]): void {
  if (trackIds.length > BATCH_MAX_IDS) {
    throw invalidField('track_ids', `track_ids may list at most ${BATCH_MAX_IDS} ids, got ${trackIds.length}`);
  }
}

export function checkText(field: string, value: string, max: number): string {
  if (codePoints(value) > max) throw invalidField(field, `${field} must be at most ${max} characters`);
  // PostgreSQL text cannot hold NUL; refused on every backend so both store the same things.
  if (value.includes('\0')) throw invalidField(field, `${field} must not contain the NUL character`);
  return value;
}

/** An absolute http(s) URL of at most `URL_MAX` characters. */
export function checkUrl(field: string, value: string): string {
  if (codePoints(value) > URL_MAX) throw invalidField(field, `${field} must be at most ${URL_MAX} characters`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidField(field, `${field} must be an absolute http or https URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidField(field, `${field} must be an absolute http or https URL`);
  }
  return value;
}

/** Applies `check` when a value was given; absent and null both mean "not set". */
export function optional<T>(value: T | null | undefined, check: (v: T) => T): T | null {
  return value === null || value === undefined ? null : check(value);
}
