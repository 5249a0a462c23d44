import type { Deps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import { errorResponse, json } from '../wire/errors.js';
import { readJsonObject, type RunOperation } from './handler.js';
import { playlistEndpoints } from './groove-playlists.js';
import {
  checkNamespace,
  invalidBody,
  ITEM_FIELDS,
  organizationOf,
  readAfterCaller,
  runOrThrow,
  someFailed,
  trackActionResult,
  trackIdOf,
  type GrooveEndpoint,
  type ItemResult,
} from './groove-shared.js';

// The Groove Music API's collection and playlist endpoints, for clients migrating from it. Each
// runs GraphQL operations through the same pipeline as everything else; only the shapes are
// Groove's: its request and response objects, and errors as `{"Error": {"ErrorCode",
// "Description", "Message"}}` with Groove's codes (src/wire/errors.ts).
//
// "The user's collection" is the library: collection add and delete run saveTracks / unsaveTracks.
// Playlists are collections (groove-playlists.ts).

export const isGroovePath = (pathname: string) => pathname.startsWith('/1/');

function trackIdsOf(body: Record<string, unknown>): string[] {
  const ids = body.TrackIds;
  if (!Array.isArray(ids)) throw invalidBody('TrackIds must be an array of track ids');
  if (!ids.every((id): id is string => typeof id === 'string'))
    throw invalidBody('Every TrackIds entry must be a string');
  return ids;
}

const batchDocument = (field: string) => `mutation ($organizationId: ID, $trackIds: [ID!]!) {
  ${field}(organizationId: $organizationId, trackIds: $trackIds) { ${ITEM_FIELDS} } }`;

const collectionBatch = (action: 'add' | 'delete', field: 'saveTracks' | 'unsaveTracks'): GrooveEndpoint => ({
  method: 'POST',
  pattern: new RegExp(`^/1/content/([^/]+)/collection/${action}/?$`),
  route: `/1/content/:namespace/collection/${action}`,
  handle: async ({ request, deps, run, match }) => {
    checkNamespace(match[1]!);
    const inputIds = await readAfterCaller(request, deps, run, async () => trackIdsOf(await readJsonObject(request)));
    const data = await runOrThrow(request, deps, run, batchDocument(field), {
      organizationId: organizationOf(request),
      trackIds: inputIds.map(trackIdOf),
    });
    // Results come back in input order, one per id, so each echoes its input exactly.
    const items: ItemResult[] = data[field] ?? [];
    const TrackActionResults = items.map((item, i) =>
      trackActionResult(item, inputIds[i] ?? item.inputId, action === 'add'),
    );
    return json({ TrackActionResults, ...someFailed(TrackActionResults) }, 200);
  },
});

const endpoints: readonly GrooveEndpoint[] = [
  collectionBatch('add', 'saveTracks'),
  collectionBatch('delete', 'unsaveTracks'),
  ...playlistEndpoints,
];

export async function handleGroove(request: Request, url: URL, deps: Deps, run: RunOperation): Promise<Response> {
  const refuse = (error: DomainError, headers?: Record<string, string>) =>
    errorResponse('groove', error, { traceId: deps.traceId, now: deps.now(), headers });
  const matching = endpoints.flatMap((endpoint) => {
    const match = endpoint.pattern.exec(url.pathname);
    return match ? [{ endpoint, match }] : [];
  });
  if (matching.length === 0)
    return refuse(new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`));
  const found = matching.find((m) => m.endpoint.method === request.method);
  if (deps.facts) deps.facts.route = (found ?? matching[0]!).endpoint.route;
  if (!found) {
    const allow = [...new Set(matching.map((m) => m.endpoint.method))].join(', ');
    return refuse(new DomainError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; use ${allow}`), {
      allow,
    });
  }
  try {
    return await found.endpoint.handle({ request, url, deps, run, match: found.match });
  } catch (error) {
    if (error instanceof DomainError) return refuse(error);
    // Logged with the request, as app.ts does for the other surfaces.
    deps.facts?.unexpected.push(error);
    return refuse(new DomainError('INTERNAL_SERVER_ERROR', 'Unexpected error; see the server log for this trace id'));
  }
}
