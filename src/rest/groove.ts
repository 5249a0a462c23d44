import type { Deps } from '../domain/deps.js';
import { DomainError, invalidField, type ErrorCode } from '../domain/errors.js';
import { errorResponse, grooveErrorOf, json } from '../wire/errors.js';
import { readJsonObject, type RunOperation } from './handler.js';

// The Groove Music API's collection add/delete (`POST /1/content/music/collection/{add,delete}`),
// for clients migrating from it. "The user's collection" is the library: add and delete run the
// saveTracks / unsaveTracks mutations through the same GraphQL pipeline as everything else, and
// only the shapes are Groove's: `{"TrackIds": [...]}` in, TrackActionResponse out, and errors as
// `{"Error": {"ErrorCode", "Description", "Message"}}` with Groove's codes (src/wire/errors.ts).

export const isGroovePath = (pathname: string) => pathname.startsWith('/1/');

const PATH = /^\/1\/content\/([^/]+)\/collection\/(add|delete)\/?$/;
const MUTATIONS = { add: 'saveTracks', delete: 'unsaveTracks' } as const;

/** Groove ids are `{namespace}.{identifier}`; ours are accepted with or without the prefix. */
const NAMESPACE_PREFIX = /^music\./i;

const invalidBody = (systemMessage: string) => new DomainError('INVALID_REQUEST_BODY', systemMessage);

function trackIdsOf(body: Record<string, unknown>): string[] {
  const ids = body['TrackIds'];
  if (!Array.isArray(ids)) throw invalidBody('TrackIds must be an array of track ids');
  if (!ids.every((id): id is string => typeof id === 'string')) throw invalidBody('Every TrackIds entry must be a string');
  return ids;
}

interface ItemResult {
  inputId: string;
  success: boolean;
  error: { code: ErrorCode; systemMessage: string } | null;
}

// The organization comes from the X-Organization-Id header, or is the caller's only one: the
// mutation resolves it (resolveOrganization in the domain), as it checks any organization id.
const batchDocument = (field: string) => `mutation ($organizationId: ID, $trackIds: [ID!]!) {
  ${field}(organizationId: $organizationId, trackIds: $trackIds) { inputId success error { code systemMessage } } }`;

// Who is calling comes first: a bad key is 401 whatever the body holds. A readable body runs the
// batch, which authenticates first; an unreadable one is only refused once the key is known good.
const WHO = '{ viewer { id } }';

export async function handleGroove(request: Request, url: URL, deps: Deps, run: RunOperation): Promise<Response> {
  const refuse = (error: DomainError, headers?: Record<string, string>) =>
    errorResponse('groove', error, { traceId: deps.traceId, now: deps.now(), headers });
  const match = PATH.exec(url.pathname);
  if (!match) return refuse(new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`));
  const [, namespace, action] = match as unknown as [string, string, 'add' | 'delete'];
  if (deps.facts) deps.facts.route = `/1/content/:namespace/collection/${action}`;
  if (request.method !== 'POST') {
    return refuse(new DomainError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; use POST`), { allow: 'POST' });
  }
  try {
    if (namespace !== 'music') {
      // Only music exists here; INVALID_INPUT_PARAMETER is Groove's code for a bad parameter value.
      throw invalidField('namespace', `Unknown namespace "${namespace}"; only music is supported`);
    }
    let inputIds: string[];
    try {
      inputIds = trackIdsOf(await readJsonObject(request));
    } catch (unreadable) {
      const who = await run(request, { query: WHO, variables: {} }, deps);
      throw who.error ?? unreadable;
    }
    const field = MUTATIONS[action];
    const result = await run(
      request,
      {
        query: batchDocument(field),
        variables: {
          organizationId: request.headers.get('x-organization-id')?.trim() || null,
          trackIds: inputIds.map((id) => id.replace(NAMESPACE_PREFIX, '')),
        },
      },
      deps,
    );
    if (result.error) throw result.error;

    // Results come back in input order, one per id, so each echoes its input exactly.
    const items = (result.data as Record<string, ItemResult[]>)[field] ?? [];
    const TrackActionResults = items.map((item, i) => {
      const InputId = inputIds[i] ?? item.inputId;
      if (item.error) return { InputId, Error: grooveErrorOf(item.error.code, item.error.systemMessage).error };
      // A track's id in the caller's collection is its own id, so an add's Id can be sent to delete.
      return action === 'add' ? { InputId, Id: `music.${item.inputId}` } : { InputId };
    });
    const failed = items.some((item) => !item.success);
    return json(
      failed
        ? {
            TrackActionResults,
            Error: { ErrorCode: 'COLLECTION_SOME_OPERATIONS_FAILED', Description: 'Some of the operations failed' },
          }
        : { TrackActionResults },
      200,
    );
  } catch (error) {
    if (error instanceof DomainError) return refuse(error);
    // Logged with the request, as app.ts does for the other surfaces.
    deps.facts?.unexpected.push(error);
    return refuse(new DomainError('INTERNAL_SERVER_ERROR', 'Unexpected error; see the server log for this trace id'));
  }
}
