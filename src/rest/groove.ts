import type { ExecutionResult } from 'graphql';
import type { Deps } from '../domain/deps.js';
import { DomainError, errorCatalog, invalidField, type ErrorCode } from '../domain/errors.js';
import { BATCH_MAX_IDS } from '../domain/limits.js';
import { onlyOrganization } from '../domain/viewer.js';
import type { ApiErrorExtensions } from '../graphql/errors.js';
import { json } from './envelope.js';
import { readJsonObject, type RunGraphQL } from './handler.js';

// The Groove Music API's collection add/delete (`POST /1/content/music/collection/{add,delete}`),
// for clients migrating from it. "The user's collection" is the library: add and delete run the
// saveTracks / unsaveTracks mutations through the same GraphQL pipeline as everything else, and
// only the shapes are Groove's: `{"TrackIds": [...]}` in, TrackActionResponse out, and errors as
// `{"Error": {"ErrorCode", "Description", "Message"}}` with Groove's codes.

export const isGroovePath = (pathname: string) => pathname.startsWith('/1/');

const PATH = /^\/1\/content\/([^/]+)\/collection\/(add|delete)\/?$/;
const MUTATIONS = { add: 'saveTracks', delete: 'unsaveTracks' } as const;

/** Groove ids are `{namespace}.{identifier}`; ours are accepted with or without the prefix. */
const NAMESPACE_PREFIX = /^music\./i;

interface GrooveError {
  ErrorCode: string;
  Description: string;
  Message?: string;
}

/** Our codes in Groove's vocabulary; codes Groove has no word for keep their own name and status. */
const GROOVE_CODES: Partial<Record<ErrorCode, { code: string; status: number; description: string; message?: string }>> = {
  AUTHENTICATION_REQUIRED: {
    code: 'INVALID_AUTHORIZATION_HEADER',
    status: 401,
    description: 'Missing or invalid authorization header',
    message: 'You need user authentication to use this API',
  },
  VALIDATION_ERROR: { code: 'INVALID_INPUT_PARAMETER', status: 400, description: 'Invalid input parameter' },
  INVALID_REQUEST_BODY: { code: 'INVALID_INPUT_PARAMETER', status: 400, description: 'Invalid input parameter' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'INVALID_INPUT_PARAMETER', status: 400, description: 'Invalid input parameter' },
  // Per item: unknown, deleted, invisible and (for delete) not in the library.
  RESOURCE_NOT_FOUND: { code: 'COLLECTION_INVALID_ID', status: 400, description: 'Invalid collection id for this operation' },
  RATE_LIMIT_EXCEEDED: { code: 'TOO_MANY_REQUESTS', status: 429, description: 'Too many requests' },
  INTERNAL_SERVER_ERROR: { code: 'INTERNAL_SERVER_ERROR', status: 500, description: 'Internal server error' },
};

function toGroove(code: ErrorCode, systemMessage: string, details: Record<string, unknown>): { status: number; error: GrooveError } {
  // The batch limit is a validation error everywhere else; Groove has its own code for it.
  if (code === 'VALIDATION_ERROR' && details['field'] === 'track_ids') {
    return {
      status: 400,
      error: {
        ErrorCode: 'COLLECTION_INVALID_OPERATION',
        Description: 'This operation is not supported',
        Message: `Number of tracks for this operation is limited to ${BATCH_MAX_IDS}`,
      },
    };
  }
  const mapped = GROOVE_CODES[code];
  const error: GrooveError = mapped
    ? { ErrorCode: mapped.code, Description: mapped.description, Message: mapped.message ?? systemMessage }
    : { ErrorCode: code, Description: errorCatalog[code].message, Message: systemMessage };
  return { status: mapped?.status ?? errorCatalog[code].status, error };
}

/** A Groove-shaped failure of the whole request; app.ts uses it for refusals decided before routing. */
export function grooveErrorResponse(error: DomainError, headers: Record<string, string> = {}): Response {
  const { status, error: body } = toGroove(error.code, error.systemMessage, error.details);
  return json({ Error: body }, status, headers);
}

/** The first error of a GraphQL result, as the DomainError it was raised as. */
function firstError(result: ExecutionResult): DomainError | null {
  const ext = result.errors?.[0]?.extensions as ApiErrorExtensions | undefined;
  return ext ? new DomainError(ext.code, ext.system_message, ext.details) : null;
}

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

export async function handleGroove(
  request: Request,
  url: URL,
  deps: Deps,
  runGraphQL: RunGraphQL,
): Promise<Response> {
  const match = PATH.exec(url.pathname);
  if (!match) {
    return grooveErrorResponse(new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`));
  }
  const [, namespace, action] = match as unknown as [string, string, 'add' | 'delete'];
  if (deps.facts) deps.facts.route = `/1/content/:namespace/collection/${action}`;
  if (request.method !== 'POST') {
    return grooveErrorResponse(new DomainError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; use POST`), {
      allow: 'POST',
    });
  }
  try {
    if (namespace !== 'music') {
      // Only music exists here; INVALID_INPUT_PARAMETER is Groove's code for a bad parameter value.
      throw invalidField('namespace', `Unknown namespace "${namespace}"; only music is supported`);
    }
    // Who is calling comes first: a bad key is 401 whatever the body holds.
    const me = await runGraphQL(request, { query: '{ viewer { organizations { id } } }', variables: {} }, deps);
    const meError = firstError(me);
    if (meError) throw meError;
    const body = await readJsonObject(request);
    const inputIds = trackIdsOf(body);
    const named = request.headers.get('x-organization-id')?.trim();
    const memberOf = (me.data as { viewer: { organizations: { id: string }[] } }).viewer.organizations.map((o) => o.id);
    // A named organization is checked by the mutation itself, like any other organization id.
    const organizationId = named || onlyOrganization(memberOf);

    const field = MUTATIONS[action];
    const result = await runGraphQL(
      request,
      {
        query: `mutation ($organizationId: ID!, $trackIds: [ID!]!) {
          ${field}(organizationId: $organizationId, trackIds: $trackIds) { inputId success error { code systemMessage } } }`,
        variables: { organizationId, trackIds: inputIds.map((id) => id.replace(NAMESPACE_PREFIX, '')) },
      },
      deps,
    );
    const resultError = firstError(result);
    if (resultError) throw resultError;

    // Results come back in input order, one per id, so each echoes its input exactly.
    const items = (result.data as Record<string, ItemResult[]>)[field] ?? [];
    const TrackActionResults = items.map((item, i) => {
      const InputId = inputIds[i] ?? item.inputId;
      if (item.error) return { InputId, Error: toGroove(item.error.code, item.error.systemMessage, {}).error };
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
    if (error instanceof DomainError) return grooveErrorResponse(error);
    // Logged with the request, as app.ts does for the other surfaces.
    deps.facts?.unexpected.push(error);
    return grooveErrorResponse(new DomainError('INTERNAL_SERVER_ERROR', 'Unexpected error; see the server log for this trace id'));
  }
}
