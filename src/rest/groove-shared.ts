import type { Deps } from '../domain/deps.js';
import { DomainError, invalidField, type ErrorCode } from '../domain/errors.js';
import { grooveErrorOf, type GrooveError } from '../wire/errors.js';
import type { RunOperation } from './handler.js';

// What the Groove endpoints share (groove.ts, groove-playlists.ts): ids in Groove's form, item
// results, the request's organization, and who is asked first.

/** Groove ids are `{namespace}.{identifier}`; ours are accepted with or without the prefix. */
const TRACK_PREFIX = /^music\./i;
const PLAYLIST_PREFIX = /^music\.playlist\./i;

export const trackIdOf = (grooveId: string) => grooveId.replace(TRACK_PREFIX, '');
export const grooveTrackId = (trackId: string) => `music.${trackId}`;
export const collectionIdOf = (grooveId: string) => grooveId.replace(PLAYLIST_PREFIX, '');
export const groovePlaylistId = (collectionId: string) => `music.playlist.${collectionId}`;

export const invalidBody = (systemMessage: string) => new DomainError('INVALID_REQUEST_BODY', systemMessage);

/** Only music exists here; INVALID_INPUT_PARAMETER is Groove's code for a bad parameter value. */
export function checkNamespace(namespace: string): void {
  if (namespace !== 'music')
    throw invalidField('namespace', `Unknown namespace "${namespace}"; only music is supported`);
}

/**
 * The organization comes from the X-Organization-Id header, or is the caller's only one: the
 * operation resolves it (resolveOrganization in the domain), as it checks any organization id.
 */
export const organizationOf = (request: Request) => request.headers.get('x-organization-id')?.trim() || null;

/** An item's outcome as the operations select it: `inputId success error { code systemMessage }`. */
export interface ItemResult {
  inputId: string;
  success: boolean;
  error: { code: ErrorCode; systemMessage: string } | null;
}
export const ITEM_FIELDS = 'inputId success error { code systemMessage }';

export interface TrackActionResult {
  InputId: string;
  Id?: string;
  Error?: GrooveError;
}

/**
 * Groove's TrackActionResult of one item, echoing the id exactly as it was sent. A track's id in a
 * collection or a playlist is its own id, so an add's `Id` can be sent to a delete as is.
 */
export function trackActionResult(item: ItemResult, inputId: string, added: boolean): TrackActionResult {
  if (item.error) return { InputId: inputId, Error: grooveErrorOf(item.error.code, item.error.systemMessage).error };
  return added ? { InputId: inputId, Id: grooveTrackId(item.inputId) } : { InputId: inputId };
}

export const SOME_FAILED: GrooveError = {
  ErrorCode: 'COLLECTION_SOME_OPERATIONS_FAILED',
  Description: 'Some of the operations failed',
};

/** The top-level Error of an answer whose items all ran: present exactly when one of them failed. */
export const someFailed = (results: readonly TrackActionResult[]) =>
  results.some((r) => r.Error) ? { Error: SOME_FAILED } : {};

// Who is calling comes first: a bad key is 401 whatever the request holds.
const WHO = '{ viewer { id } }';

/**
 * Reads the request with `read`; when it cannot be read, the caller is authenticated first, so an
 * unknown key is 401 before a malformed body or parameter is 400.
 */
export async function readAfterCaller<T>(
  request: Request,
  deps: Deps,
  run: RunOperation,
  read: () => Promise<T> | T,
): Promise<T> {
  try {
    return await read();
  } catch (unreadable) {
    if (!(unreadable instanceof DomainError)) throw unreadable;
    const who = await run(request, { query: WHO, variables: {} }, deps);
    throw who.error ?? unreadable;
  }
}

/** Runs an operation, and hands back its data, or throws its error. */
export async function runOrThrow(
  request: Request,
  deps: Deps,
  run: RunOperation,
  query: string,
  variables: Record<string, unknown>,
) {
  const result = await run(request, { query, variables }, deps);
  if (result.error) throw result.error;
  // biome-ignore lint/suspicious/noExplicitAny: the shape is the endpoint's own selection, which it reads.
  return result.data as Record<string, any>;
}

/** One Groove endpoint: what it answers and how. `match` holds the pattern's groups. */
export interface GrooveEndpoint {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** The route template that labels the request's log line and metrics. */
  route: string;
  handle: (call: GrooveCall) => Promise<Response>;
}

export interface GrooveCall {
  request: Request;
  url: URL;
  deps: Deps;
  run: RunOperation;
  match: readonly string[];
}
