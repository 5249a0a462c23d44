import type { ExecutionResult } from 'graphql';
import type { Deps } from '../domain/deps.js';
import { DomainError, invalidField } from '../domain/errors.js';
import type { ApiErrorExtensions } from '../graphql/errors.js';
import { domainErrorResponse, envelope, json } from './envelope.js';
import { routes, type RestInput, type Route } from './routes.js';

/** Runs a GraphQL operation through the same pipeline as `/graphql`, with the caller's credentials. */
export type RunGraphQL = (
  request: Request,
  operation: { query: string; variables: Record<string, unknown> },
  deps: Deps,
) => Promise<ExecutionResult>;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

const compiled: CompiledRoute[] = routes.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/:([a-z_]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), names };
});

export const isRestPath = (pathname: string) => pathname.startsWith('/v1/');

// Bodies are small flat objects; deeper nesting is only ever an attempt to make parsing expensive.
const MAX_JSON_DEPTH = 16;

function depthOf(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit === 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return deepest + 1;
}

/**
 * A JSON object body; `{}` when the body is empty. Shared by the REST routes and the Groove shim.
 * Its size was already checked by the app, declared or chunked, before routing.
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === '') return {};
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got "${type || 'none'}"`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DomainError('INVALID_REQUEST_BODY', `Malformed JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DomainError('INVALID_REQUEST_BODY', 'The request body must be a JSON object');
  }
  if (depthOf(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new DomainError('INVALID_REQUEST_BODY', `JSON nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return parsed as Record<string, unknown>;
}

async function readJsonBody(request: Request, route: Route): Promise<Record<string, unknown>> {
  if (!route.bodyFields) return {};
  const body = await readJsonObject(request);
  const unknown = Object.keys(body).find((key) => !route.bodyFields?.includes(key));
  if (unknown !== undefined) throw invalidField(unknown, `${unknown} is not a known field`);
  return body;
}

/** Renames GraphQL argument names in an error to the REST names the client sent (first → limit). */
function aliasField(ext: ApiErrorExtensions, aliases: Record<string, string> | undefined): ApiErrorExtensions {
  const field = ext.details['field'];
  const alias = typeof field === 'string' ? aliases?.[field] : undefined;
  if (alias === undefined || typeof field !== 'string') return ext;
  const systemMessage = ext.system_message.startsWith(`${field} `)
    ? alias + ext.system_message.slice(field.length)
    : ext.system_message;
  return { ...ext, system_message: systemMessage, details: { ...ext.details, field: alias } };
}

export async function handleRest(
  request: Request,
  url: URL,
  deps: Deps,
  runGraphQL: RunGraphQL,
): Promise<Response> {
  const matches = compiled
    .map((c) => ({ c, m: c.pattern.exec(url.pathname) }))
    .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
  if (matches.length === 0) {
    return domainErrorResponse(
      new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`, { path: url.pathname }),
      deps.traceId,
      deps.now(),
    );
  }
  const match = matches.find((x) => x.c.route.method === request.method);
  // The template, never the raw path, labels the request's log line and metrics.
  if (deps.facts) deps.facts.route = (match ?? matches[0])?.c.route.path;
  if (!match) {
    const allow = [...new Set(matches.map((x) => x.c.route.method))].join(', ');
    return domainErrorResponse(
      new DomainError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; use ${allow}`, { allow }),
      deps.traceId,
      deps.now(),
      { allow },
    );
  }
  const { route, names } = match.c;
  try {
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match.m[i + 1] ?? '');
    });
    const input: RestInput = {
      params,
      query: url.searchParams,
      body: await readJsonBody(request, route),
      headers: request.headers,
    };
    const result = await runGraphQL(request, { query: route.document, variables: route.variables(input) }, deps);
    const error = result.errors?.[0];
    if (error) return envelope(error.message, aliasField(error.extensions as ApiErrorExtensions, route.fieldAliases));
    const headers: Record<string, string> = route.etag ? { etag: `"${route.etag(result.data)}"` } : {};
    return json(route.body(result.data, input), route.status, headers);
  } catch (error) {
    if (error instanceof DomainError) return domainErrorResponse(error, deps.traceId, deps.now());
    if (error instanceof URIError) {
      return domainErrorResponse(new DomainError('ENDPOINT_NOT_FOUND', 'Malformed percent-encoding in path'), deps.traceId, deps.now());
    }
    throw error;
  }
}
