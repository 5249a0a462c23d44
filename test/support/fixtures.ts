import { expect } from 'vitest';
import {
  createTrackVia,
  createWorld,
  onlyError,
  rest,
  rows,
  tableNames,
  type HttpResult,
  type World,
} from '../helpers.js';

// Fixtures and assertions several test files share.

/**
 * Alice's tracks in every state a batch must tell apart: `kept` (in her library), `unsaved` (hers,
 * out of it), `deleted`; plus Bob's (same organization, invisible to her) and Dave's (another one).
 */
export async function mixedWorld() {
  const w = await createWorld();
  const kept = await createTrackVia(w.app, w.alice.key, w.orgA, 'kept');
  const unsaved = await createTrackVia(w.app, w.alice.key, w.orgA, 'unsaved');
  const deleted = await createTrackVia(w.app, w.alice.key, w.orgA, 'deleted');
  const bobs = await createTrackVia(w.app, w.bob.key, w.orgA, 'bob');
  const daves = await createTrackVia(w.app, w.dave.key, w.orgB, 'dave');
  await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${unsaved}/save`, { key: w.alice.key });
  await rest(w.app, 'DELETE', `/v1/music/${w.orgA}/tracks/${deleted}`, { key: w.alice.key });
  return { w, kept, unsaved, deleted, bobs, daves };
}

/**
 * Every row of every table, except the key's last-used time, which authentication itself
 * refreshes, for asserting that a refused request changed nothing. Rows are compared as a sorted
 * set: PostgreSQL has no rowid to order them by.
 */
export async function snapshotAll(w: World): Promise<string> {
  const tables: string[][] = [];
  for (const name of await tableNames(w.app.database)) {
    const found = await rows(w, `SELECT * FROM ${name}`);
    tables.push(found.map(({ last_used_at: _, ...row }) => JSON.stringify(row)).sort());
  }
  return JSON.stringify(tables);
}

const TYPES: Record<string, string> = {
  AUTHENTICATION_REQUIRED: 'authentication_error',
  ORGANIZATION_ACCESS_DENIED: 'authorization_error',
  INSUFFICIENT_PERMISSIONS: 'authorization_error',
  RESOURCE_NOT_FOUND: 'client_error',
  VALIDATION_ERROR: 'validation_error',
  COLLECTION_CONCURRENT_UPDATE: 'conflict_error',
};

/**
 * Asserts a GraphQL response is exactly one error with the documented extensions (every field,
 * `details` exactly when given), the request's trace id and no data, and returns it.
 */
export function expectGraphQLError(
  res: HttpResult,
  code: string,
  status: number,
  details?: Record<string, unknown>,
  now?: string,
) {
  const error = onlyError(res);
  expect(error.extensions, res.text).toEqual({
    code,
    status,
    type: TYPES[code] ?? expect.any(String),
    system_message: expect.any(String),
    details: details ?? expect.any(Object),
    trace_id: res.headers.get('x-request-id'),
    timestamp: now ?? expect.any(String),
  });
  expect(error.extensions.trace_id).toMatch(/^req_[0-9a-f]{20}$/);
  // null when a resolver refused; absent when the request was refused before execution
  expect(res.body.data ?? null).toBeNull();
  return error;
}
