import { openDatabase, type Database } from './db/connection.js';
import { newId } from './db/ids.js';
import type { Deps } from './domain/deps.js';
import { DomainError } from './domain/errors.js';
import { graphqlErrorResponse } from './graphql/errors.js';
import { createGraphQLHandler, secretFrom } from './graphql/yoga.js';
import { createCors } from './http/cors.js';
import { RateLimiter } from './http/rate-limit.js';
import { domainErrorResponse, json } from './rest/envelope.js';
import { handleRest, isRestPath, type RunGraphQL } from './rest/handler.js';

export interface AppOptions {
  /** A file path, `file:path` or `:memory:`; ignored when `database` is given. */
  databaseUrl?: string;
  database?: Database;
  /** Milliseconds since the epoch; tests inject a clock to move time. */
  now?: () => number;
  /** The public base URL for links the gateway hands out; defaults to each request's origin. */
  publicUrl?: string;
  /** Introspection and GraphiQL; on unless switched off. */
  introspection?: boolean;
  /** Field suggestions in GraphQL errors; off unless in development. */
  fieldSuggestions?: boolean;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** Requests per minute per API key; 0 or absent turns rate limiting off. */
  rateLimitPerMinute?: number;
  /** Larger bodies are refused with 413 before they are read. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

export interface App {
  fetch(request: Request): Promise<Response>;
  readonly database: Database;
  /** From now on, new requests get 503 SERVICE_UNAVAILABLE (shutdown in progress). */
  stopAccepting(): void;
  close(): void;
}

/** Builds the gateway without listening: tests call `fetch` in-process, `server.ts` serves it. */
export function createApp(options: AppOptions = {}): App {
  const database = options.database ?? openDatabase(options.databaseUrl ?? ':memory:');
  const now = options.now ?? Date.now;
  const yoga = createGraphQLHandler({
    introspection: options.introspection ?? true,
    fieldSuggestions: options.fieldSuggestions ?? false,
  });
  const cors = createCors(options.corsOrigins ?? []);
  const limiter = options.rateLimitPerMinute ? new RateLimiter(options.rateLimitPerMinute, now) : null;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  /** Failures decided before routing, in the shape of the surface that was called. */
  const refuse = (request: Request, error: DomainError, deps: Deps, headers: Record<string, string> = {}) =>
    new URL(request.url).pathname === '/graphql'
      ? graphqlErrorResponse(error, deps, headers)
      : domainErrorResponse(error, deps.traceId, deps.now(), headers);

  /** Answers limits and preflights; null lets the request through. */
  function guard(request: Request, deps: Deps, rateHeaders: Record<string, string>): Response | null {
    const preflight = cors.preflight(request);
    if (preflight) return preflight;
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > maxBodyBytes) {
      return refuse(request, new DomainError('PAYLOAD_TOO_LARGE', `Body of ${length} bytes exceeds ${maxBodyBytes}`), deps);
    }
    const secret = secretFrom(request.headers);
    if (!limiter || !secret) return null;
    const decision = limiter.take(secret);
    rateHeaders['x-ratelimit-limit'] = String(decision.limit);
    rateHeaders['x-ratelimit-remaining'] = String(decision.remaining);
    rateHeaders['x-ratelimit-reset'] = String(decision.resetSeconds);
    if (decision.allowed) return null;
    const retryAfter = String(decision.retryAfterSeconds);
    return refuse(
      request,
      new DomainError('RATE_LIMIT_EXCEEDED', `More than ${decision.limit} requests per minute for this key`, {
        retry_after_seconds: decision.retryAfterSeconds,
      }),
      deps,
      { 'retry-after': retryAfter, 'x-ratelimit-retry-after': retryAfter },
    );
  }

  const runGraphQL: RunGraphQL = async (request, operation, deps) => {
    const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
    const secret = secretFrom(request.headers);
    if (secret) headers.set('x-api-key', secret);
    const response = await yoga.fetch(
      'http://gateway.internal/graphql',
      { method: 'POST', headers, body: JSON.stringify(operation) },
      { deps },
    );
    return response.json();
  };

  async function route(request: Request, deps: Deps): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/graphql') return yoga.fetch(request, { deps });
    if (isRestPath(url.pathname)) return handleRest(request, url, deps, runGraphQL, maxBodyBytes);
    if (url.pathname === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      let ok = false;
      try {
        ok = database.ping();
      } catch {
        ok = false;
      }
      return json({ status: ok ? 'ok' : 'unavailable' }, ok ? 200 : 503);
    }
    return domainErrorResponse(
      new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`, { path: url.pathname }),
      deps.traceId,
      deps.now(),
    );
  }

  let draining = false;

  async function respond(request: Request, deps: Deps): Promise<Response> {
    if (draining) {
      return refuse(request, new DomainError('SERVICE_UNAVAILABLE', 'Draining before shutdown'), deps, {
        connection: 'close',
        'retry-after': '1',
      });
    }
    const rateHeaders: Record<string, string> = {};
    let response: Response;
    try {
      response = guard(request, deps, rateHeaders) ?? (await route(request, deps));
    } catch (error) {
      console.error(`[${deps.traceId}] unexpected error`, error);
      response = domainErrorResponse(
        new DomainError('INTERNAL_SERVER_ERROR', 'Unexpected error; see the server log for this trace id'),
        deps.traceId,
        deps.now(),
      );
    }
    for (const [name, value] of Object.entries(rateHeaders)) response.headers.set(name, value);
    cors.decorate(request, response);
    return response;
  }

  return {
    database,
    close: () => database.close(),
    stopAccepting() {
      draining = true;
    },
    async fetch(request) {
      const origin = options.publicUrl ?? new URL(request.url).origin;
      const deps: Deps = { database, now, traceId: newId('req_'), origin };
      const response = await respond(request, deps);
      response.headers.set('x-request-id', deps.traceId);
      return response;
    },
  };
}
