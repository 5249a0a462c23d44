import { invalidField } from './errors.js';
import { NAME_MAX, URL_MAX } from './limits.js';

// Lengths are counted in Unicode code points, so an emoji is one character, as a person counts it.
export const codePoints = (value: string): number => {
  let n = 0;
  for (const _ of value) n++;
  return n;
};

/** A required, non-blank name of 1 to `NAME_MAX` code points. */
export function checkName(field: string, value: string): string {
  const length = codePoints(value);
  if (length < 1 || length > NAME_MAX) throw invalidField(field, `${field} must be between 1 and ${NAME_MAX} characters`);
  if (value.trim() === '') throw invalidField(field, `${field} must not be blank`);
  return checkText(field, value, NAME_MAX);
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
