import type { Deps } from '../domain/deps.js';
import { DomainError, InputError, invalidField } from '../domain/errors.js';
import { errorResponse, json } from '../wire/errors.js';
import { routes, type RestInput, type Route } from './routes.js';

/**
 * Runs a GraphQL operation through the same pipeline as `/graphql`, with the caller's credentials,
 * and hands back its data or its first error as the DomainError it stands for (app.ts wires in the
 * runner from src/graphql; this layer never sees a GraphQL error).
 */
export type RunOperation = (
  request: Request,
  operation: { query: string; variables: Record<string, unknown> },
  deps: Deps,
) => Promise<{
  // biome-ignore lint/suspicious/noExplicitAny: the shape is the route's own selection, which its `body` reads.
  data: any;
  error: DomainError | null;
}>;

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
  return { route, pattern: new RegExp(`^${source}$`), names };
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
function aliasField(error: DomainError, aliases: Record<string, string> | undefined): DomainError {
  const field = error.details.field;
  const alias = typeof field === 'string' ? aliases?.[field] : undefined;
  if (alias === undefined || typeof field !== 'string') return error;
  if (error instanceof InputError) return new InputError({ ...error.input, field: alias }, error.systemMessage);
  const systemMessage = error.systemMessage.startsWith(`${field} `)
    ? alias + error.systemMessage.slice(field.length)
    : error.systemMessage;
  return new DomainError(error.code, systemMessage, { ...error.details, field: alias }, error.message);
}

export async function handleRest(request: Request, url: URL, deps: Deps, run: RunOperation): Promise<Response> {
  const refuse = (error: DomainError, headers?: Record<string, string>) =>
    errorResponse('rest', error, { traceId: deps.traceId, now: deps.now(), headers });
  const matches = compiled
    .map((c) => ({ c, m: c.pattern.exec(url.pathname) }))
    .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
  if (matches.length === 0) {
    return refuse(
      new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`, { path: url.pathname }),
    );
  }
  // HEAD runs the GET route; the app drops the body.
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const match = matches.find((x) => x.c.route.method === method);
  // The template, never the raw path, labels the request's log line and metrics.
  if (deps.facts) deps.facts.route = (match ?? matches[0])?.c.route.path;
  if (!match) {
    const allow = [
      ...new Set(matches.flatMap((x) => (x.c.route.method === 'GET' ? ['GET', 'HEAD'] : [x.c.route.method]))),
    ].join(', ');
    return refuse(
      new DomainError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; use ${allow}`, { allow }),
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
    const query = typeof route.document === 'string' ? route.document : route.document(input);
    const result = await run(request, { query, variables: route.variables(input) }, deps);
    if (result.error) return refuse(aliasField(result.error, route.fieldAliases));
    const version = route.etag?.(result.data);
    const headers: Record<string, string> = version !== undefined ? { etag: `"${version}"` } : {};
    return json(route.body(result.data, input), route.status, headers);
  } catch (error) {
    if (error instanceof DomainError) return refuse(error);
    if (error instanceof URIError)
      return refuse(new DomainError('ENDPOINT_NOT_FOUND', 'Malformed percent-encoding in path'));
    throw error;
  }
}
