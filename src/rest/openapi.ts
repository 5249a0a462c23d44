import { REQUEST_ID_PATTERN } from '../wire/request-id.js';
import { packageVersion } from '../package-root.js';
import { errorCatalog, type ErrorCode } from '../domain/errors.js';
import { bodyFieldSchemas, queryParamSchemas, responseSchemas } from './openapi-schemas.js';
import { routes as routeTable, type Route } from './routes.js';

// The OpenAPI 3.1 document of the REST shim, built from the route table at start: method, path,
// path parameters, body fields, status and ETag come from the rows themselves, and each row's
// `doc` adds what a row cannot show (summary, paging, schemas, extra errors), so it cannot drift.

const PATH_PARAMS: Record<string, string> = {
  organization_id: 'The organization (`org_…`); you must be a member',
  collection_id: 'A collection (`mcoll_…`) you own',
  track_id: 'A track (`mtrack_…`) you can see',
  share_id: 'A share link (`mslink_…`) you created',
  token: 'The share token (`shr_…`) from a share link',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const requestId = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };

function pathParams(route: Route): string[] {
  return [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1] ?? '');
}

const TAGS: Record<string, string> = {
  Collections: 'Ordered groupings of tracks; each belongs to its owner',
  Tracks: 'Tracks you created or saved',
  Library: 'Your saved tracks',
  Sharing: 'Share links for tracks and collections, and what they show',
  Other: 'Further routes',
};

function tagOf(route: Route): string {
  if (route.doc?.tag && TAGS[route.doc.tag]) return route.doc.tag;
  if (/\/shared?\b/.test(route.path)) return 'Sharing';
  if (route.path.endsWith('/save')) return 'Library';
  if (route.path.includes('/collections')) return 'Collections';
  if (route.path.includes('/tracks')) return 'Tracks';
  return 'Other';
}

/** Errors any route of this shape can answer, plus the ones its doc names. */
function errorCodes(route: Route): ErrorCode[] {
  const doc = route.doc;
  const names = pathParams(route);
  const codes = new Set<ErrorCode>(doc?.errors ?? []);
  if (!doc?.public) codes.add('AUTHENTICATION_REQUIRED');
  if (names.includes('organization_id')) codes.add('ORGANIZATION_ACCESS_DENIED');
  if (names.some((n) => n !== 'organization_id')) codes.add('RESOURCE_NOT_FOUND');
  if (route.bodyFields) {
    for (const code of [
      'INVALID_REQUEST_BODY',
      'UNSUPPORTED_MEDIA_TYPE',
      'PAYLOAD_TOO_LARGE',
      'VALIDATION_ERROR',
    ] as const)
      codes.add(code);
  }
  if (doc?.page || doc?.query?.length || doc?.ifMatch) codes.add('VALIDATION_ERROR');
  if (doc?.ifMatch) codes.add('COLLECTION_CONCURRENT_UPDATE');
  codes.add('RATE_LIMIT_EXCEEDED');
  codes.add('INTERNAL_SERVER_ERROR');
  return [...codes];
}

function parameters(route: Route) {
  const doc = route.doc;
  const list: Record<string, unknown>[] = pathParams(route).map((name) => ({
    name,
    in: 'path',
    required: true,
    description: PATH_PARAMS[name] ?? name,
    schema: { type: 'string' },
  }));
  if (doc?.page) {
    const { defaultSize, maxSize } = doc.page;
    list.push(
      {
        name: 'limit',
        in: 'query',
        description: 'Page size',
        schema: { type: 'integer', minimum: 1, maximum: maxSize, default: defaultSize },
      },
      {
        name: 'offset',
        in: 'query',
        description: 'Items to skip',
        schema: { type: 'integer', minimum: 0, default: 0 },
      },
    );
  }
  for (const name of doc?.query ?? []) {
    list.push({ name, in: 'query', schema: queryParamSchemas[name] ?? { type: 'string' } });
  }
  if (doc?.ifMatch) {
    list.push({
      name: 'If-Match',
      in: 'header',
      description: 'The collection version you expect, as its ETag (`"7"`); on a mismatch nothing changes (409)',
      schema: { type: 'string', examples: ['"7"'] },
    });
  }
  return list;
}

function requestBody(route: Route) {
  if (!route.bodyFields) return undefined;
  const required = route.doc?.required ?? [];
  const forms = route.doc?.forms;
  const properties = Object.fromEntries(route.bodyFields.map((f) => [f, bodyFieldSchemas[f] ?? {}]));
  const schema = {
    type: 'object',
    properties,
    required,
    ...(forms ? { oneOf: forms.map((fields) => ({ required: fields })) } : {}),
    additionalProperties: false,
  };
  return { required: required.length > 0 || forms !== undefined, content: json(schema) };
}

function responses(route: Route) {
  const doc = route.doc;
  if (doc && !responseSchemas[doc.response])
    throw new Error(`${route.method} ${route.path}: no response schema ${doc.response}`);
  const headers = route.etag
    ? { ...requestId, ETag: { description: 'The collection version, for If-Match', schema: { type: 'string' } } }
    : requestId;
  const result: Record<string, unknown> = {
    [route.status]: { description: 'Success', headers, content: json(doc ? ref(doc.response) : { type: 'object' }) },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(route)) {
    const status = errorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    result[status] = {
      description: codes.map((c) => `\`${c}\``).join(', '),
      headers: requestId,
      content: json(ref('Error')),
    };
  }
  return result;
}

const operationIdOf = (route: Route) =>
  route.doc?.operationId ??
  (route.method.toLowerCase() + route.path.replace(/[^a-z]+([a-z])/g, (_, c: string) => c.toUpperCase())).replace(
    /[^A-Za-z]/g,
    '',
  );

export function openApiDocument(routes: readonly Route[] = routeTable) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: operationIdOf(route),
      summary: route.doc?.summary ?? `${route.method} ${route.path}`,
      ...(route.doc?.description ? { description: route.doc.description } : {}),
      tags: [tagOf(route)],
      ...(route.doc?.public ? { security: [] } : {}),
      parameters: parameters(route),
      ...(route.bodyFields ? { requestBody: requestBody(route) } : {}),
      responses: responses(route),
    };
  }
  const used = new Set(routes.map(tagOf));
  const tags = Object.entries(TAGS)
    .filter(([name]) => used.has(name))
    .map(([name, description]) => ({ name, description }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'music-gateway REST API',
      version: packageVersion,
      description:
        'The REST shim of music-gateway: each route runs a GraphQL operation, so authorization, validation and errors ' +
        'are those of `/graphql`. Bodies are snake_case; errors use one envelope.',
    },
    servers: [{ url: '/', description: 'This gateway' }],
    security: [{ ApiKey: [] }, { Bearer: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        ApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'An API key (`mgk_…`) from the admin CLI',
        },
        Bearer: { type: 'http', scheme: 'bearer', description: 'The same key as `Authorization: Bearer mgk_…`' },
      },
      headers: {
        'X-Request-Id': {
          description:
            "The request's id, equal to an error's `trace_id`: the request's own X-Request-Id when it is 1-128 letters, digits or `_.:@=+/-`, else a new `req_…`",
          schema: { type: 'string', pattern: REQUEST_ID_PATTERN },
        },
      },
      schemas: responseSchemas,
    },
  };
}
