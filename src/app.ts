import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { Plugin } from 'graphql-yoga';
import { sharedBuckets } from './db/budget.js';
import type { Database } from './db/connection.js';
import type { Deps, RequestFacts } from './domain/deps.js';
import { DomainError } from './domain/errors.js';
import type { Accounting } from './graphql/operation-cost.js';
import type { TrustedDocuments } from './graphql/trusted-documents.js';
import { createGraphQLHandler, isLeanRequest } from './graphql/yoga.js';
import { presentedKeyHash } from './http/credential.js';
import { CostBudget } from './http/cost-budget.js';
import { createCors } from './http/cors.js';
import { NodeRequest, readBody, writeResponse } from './http/node-door.js';
import { RateLimiter } from './http/rate-limit.js';
import { createSideRoutes } from './http/side-routes.js';
import { silentLogger, type Logger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createRequestObserver } from './ops/observe.js';
import type { Tracing } from './ops/tracing.js';
import { handleGroove, isGroovePath } from './rest/groove.js';
import { handleRest, isRestPath, type RunOperation } from './rest/handler.js';
import { PAGE_CSP } from './wire/assets.js';
import { errorResponse, type Surface } from './wire/errors.js';
import { Request, Response } from './wire/fetch-api.js';
import { requestIdOf, traceIdOf } from './wire/request-id.js';

export interface AppOptions {
  /** Opened with `openDatabase(DATABASE_URL)`; the app closes it on `close()`. */
  database: Database;
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
  /**
   * A cost budget per API key, shared by every process on the database (docs/limits.md): a bucket
   * of `capacity` points refilled at `restorePerSecond`; absent or a capacity of 0 turns it off.
   */
  costBudget?: { capacity: number; restorePerSecond: number; leaseSize?: number };
  /** The most one GraphQL operation may cost (GRAPHQL_COST_LIMIT); the measured default unless given. */
  costLimit?: number;
  /** With a manifest, only its documents run (GRAPHQL_TRUSTED_DOCUMENTS); open by default. */
  trustedDocuments?: TrustedDocuments;
  /** Envelop plugins run on every GraphQL path, REST and Groove included, beside the gateway's own. */
  graphqlPlugins?: Plugin[];
  /** Larger bodies are refused with 413 before they are read. */
  maxBodyBytes?: number;
  /** One JSON line per request; silent unless given (tests stay quiet). */
  logger?: Logger;
  /** Served at /metrics; a fresh registry per app unless given. */
  metrics?: Metrics;
  /** OpenTelemetry spans for requests and operations; none unless given (src/ops/tracing.ts). */
  tracing?: Tracing;
  /**
   * `handle` answers the common requests (JSON POST /graphql, REST, Groove) straight from Node's
   * request and response, through the same pipeline (src/http/node-door.ts); on unless switched off.
   */
  fastDoor?: boolean;
}

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** A twentieth of the bucket per lease: the slack between processes stays small, leases rare. */
export const defaultLeaseSize = (capacity: number) => Math.max(1, Math.ceil(capacity / 20));

export interface App {
  fetch(request: Request): Promise<Response>;
  /** Node's request listener (server.ts serves it): the fast door, else `fetch` through the Fetch adapter. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly database: Database;
  /** From now on /readyz answers 503; everything else is still served (SIGTERM, before the listener closes). */
  beginShutdown(): void;
  /** From now on, new requests get 503 SERVICE_UNAVAILABLE (shutdown in progress). */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** Builds the gateway without listening: tests call `fetch` in-process, `server.ts` serves it. */
export function createApp(options: AppOptions): App {
  const { database } = options;
  const now = options.now ?? Date.now;
  const { tracing } = options;
  const graphql = createGraphQLHandler({
    introspection: options.introspection ?? true,
    fieldSuggestions: options.fieldSuggestions ?? false,
    trustedDocuments: options.trustedDocuments,
    plugins: options.graphqlPlugins,
    costLimit: options.costLimit,
    tracing,
  });
  const cors = createCors(options.corsOrigins ?? []);
  const limiter = options.rateLimitPerMinute ? new RateLimiter(options.rateLimitPerMinute, now) : null;
  const budget = options.costBudget?.capacity
    ? new CostBudget(
        {
          ...options.costBudget,
          leaseSize: options.costBudget.leaseSize ?? defaultLeaseSize(options.costBudget.capacity),
        },
        sharedBuckets(database, options.costBudget),
        now,
      )
    : null;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics ?? createMetrics();
  database.observeTransactions(metrics.transaction);
  const observer = createRequestObserver(logger, metrics);
  let shuttingDown = false;
  let draining = false;
  const sideRoutes = createSideRoutes({
    database,
    metrics,
    graphiql: options.introspection ?? true,
    shuttingDown: () => shuttingDown,
  });

  const surfaceOf = (pathname: string): Surface =>
    pathname === '/graphql' ? 'graphql' : isGroovePath(pathname) ? 'groove' : 'rest';

  /** Failures decided outside the surfaces' own handlers, in the shape of the surface that was called. */
  const refuse = (request: Request, error: DomainError, deps: Deps, headers: Record<string, string> = {}) =>
    errorResponse(surfaceOf(new URL(request.url).pathname), error, { traceId: deps.traceId, now: deps.now(), headers });

  /** Answers limits and preflights; null lets the request through. */
  function guard(
    request: Request,
    deps: Deps,
    keyHash: string | null,
    rateHeaders: Record<string, string>,
  ): Response | null {
    const preflight = cors.preflight(request);
    if (preflight) return preflight;
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > maxBodyBytes) {
      return refuse(
        request,
        new DomainError('PAYLOAD_TOO_LARGE', `Body of ${length} bytes exceeds ${maxBodyBytes}`),
        deps,
      );
    }
    if (!limiter || !keyHash) return null;
    const decision = limiter.take(keyHash);
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

  /**
   * A body that declares no length (chunked) is counted as it arrives and refused once over the
   * limit, as a declared one is in guard(); yoga would otherwise read any size into memory.
   */
  async function bounded(request: Request, deps: Deps): Promise<Request | Response> {
    if (request.body === null || request.headers.has('content-length') || /^(GET|HEAD)$/.test(request.method))
      return request;
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > maxBodyBytes) {
        await reader.cancel();
        return refuse(
          request,
          new DomainError('PAYLOAD_TOO_LARGE', `Request body is larger than ${maxBodyBytes} bytes`),
          deps,
        );
      }
      chunks.push(chunk.value);
    }
    return new Request(request.url, { method: request.method, headers: request.headers, body: Buffer.concat(chunks) });
  }

  async function route(
    request: Request,
    deps: Deps,
    keyHash: string | null,
    accounting: Accounting,
  ): Promise<Response> {
    const url = new URL(request.url);
    // One policy for every surface: no path ends in "/" (only "/" itself), so `…/tracks/`, say
    // from an unset shell variable, is a 404 here rather than a different route or a 405.
    if (url.pathname.length > 1 && url.pathname.endsWith('/')) {
      const message = `No route for ${request.method} ${url.pathname}: paths do not end in "/" (is a path segment empty?)`;
      return refuse(request, new DomainError('ENDPOINT_NOT_FOUND', message, { path: url.pathname }), deps);
    }
    const side = await sideRoutes(request, url, deps);
    if (side) return side;
    const context = { deps, keyHash, accounting };
    if (url.pathname === '/graphql')
      return allowingHead(await graphql.fetch(request.method === 'HEAD' ? asGet(request) : request, context));
    // REST and Groove routes run their fixed operations in-process, through the same pipeline.
    const run: RunOperation = (req, operation, d) => graphql.run(req, operation, { ...context, deps: d });
    if (isRestPath(url.pathname)) return handleRest(request, url, deps, run);
    if (isGroovePath(url.pathname)) return handleGroove(request, url, deps, run);
    return refuse(
      request,
      new DomainError('ENDPOINT_NOT_FOUND', `No route for ${request.method} ${url.pathname}`, { path: url.pathname }),
      deps,
    );
  }

  async function respond(request: Request, deps: Deps): Promise<Response> {
    if (draining) {
      return refuse(request, new DomainError('SERVICE_UNAVAILABLE', 'Draining before shutdown'), deps, {
        connection: 'close',
        'retry-after': '1',
      });
    }
    // The one place a request's key is read and hashed; everything after keys on the hash.
    const keyHash = presentedKeyHash(request.headers);
    const accounting: Accounting = { budget, headers: {}, spent: 0 };
    const rateHeaders = accounting.headers;
    let response: Response;
    try {
      const guarded = guard(request, deps, keyHash, rateHeaders) ?? (await bounded(request, deps));
      response = guarded instanceof Response ? guarded : await route(guarded, deps, keyHash, accounting);
    } catch (error) {
      deps.facts?.unexpected.push(error);
      response = refuse(
        request,
        new DomainError('INTERNAL_SERVER_ERROR', 'Unexpected error; see the server log for this trace id'),
        deps,
      );
    }
    for (const [name, value] of Object.entries(rateHeaders)) response.headers.set(name, value);
    // Every HTML page is a bundled one (GraphiQL too, which yoga renders): the browser may load
    // nothing from another host.
    if (
      response.headers.get('content-type')?.startsWith('text/html') &&
      !response.headers.has('content-security-policy')
    ) {
      response.headers.set('content-security-policy', PAGE_CSP);
    }
    cors.decorate(request, response);
    return response;
  }

  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const origin = options.publicUrl ?? url.origin;
    const route = url.pathname === '/graphql' ? '/graphql' : undefined;
    const facts: RequestFacts = { route, errorCodes: new Set(), unexpected: [] };
    const deps: Deps = { database, now, traceId: requestIdOf(request.headers), origin, facts };
    const finish = observer.begin(request, facts, deps.traceId);
    let response: Response;
    if (tracing) {
      response = await tracing.request(request, deps.traceId, facts, () => respond(request, deps));
    } else {
      facts.w3cTraceId = traceIdOf(request.headers);
      response = await respond(request, deps);
    }
    response.headers.set('x-request-id', deps.traceId);
    finish(response);
    return request.method === 'HEAD' ? withoutBody(response) : response;
  }

  const adapter = createServerAdapter((request: Request) => serve(request));
  const fastDoor = (options.fastDoor ?? true) && !tracing;

  /**
   * The declared body length of a request the fast door takes, else null: a JSON POST to
   * /graphql as the lean path takes it, and the REST and Groove routes, with a body of declared
   * length within the limit. Everything else (GraphiQL, GET /graphql, side routes, HEAD,
   * preflights, chunked or oversized bodies, traced requests) goes through the Fetch adapter.
   */
  function doorTakes(req: IncomingMessage): number | null {
    const { method, url, headers } = req;
    if (!fastDoor || url === undefined || method === 'HEAD' || method === 'OPTIONS') return null;
    if (headers['transfer-encoding'] !== undefined || headers.host === undefined || !PLAIN_HOST.test(headers.host))
      return null;
    // A dot segment may lead the URL parser to another route (`/v1/../graphql` is /graphql).
    if (DOT_SEGMENT.test(url)) return null;
    const declared = headers['content-length'] === undefined ? 0 : Number(headers['content-length']);
    if (!(declared <= maxBodyBytes)) return null;
    if (url === '/graphql')
      return method === 'POST' && isLeanRequest(headers['content-type'], headers.accept) ? declared : null;
    return url.startsWith('/v1/') || url.startsWith('/1/') ? declared : null;
  }

  async function throughDoor(req: IncomingMessage, res: ServerResponse, declared: number): Promise<void> {
    const body = await readBody(req, declared);
    if (body === null) return void res.destroy();
    // The members the pipeline reads of a Request on these paths (src/http/node-door.ts).
    const request = new NodeRequest(
      req.method!,
      `http://${req.headers.host}${req.url}`,
      req.headers,
      body,
    ) as unknown as Request;
    await writeResponse(res, await serve(request));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const declared = doorTakes(req);
    if (declared === null) {
      void adapter(req, res);
      return;
    }
    throughDoor(req, res, declared).catch((error: unknown) => {
      logger.error({ err: error }, 'unexpected error in the fast door');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  }

  return {
    database,
    close: () => database.close(),
    beginShutdown() {
      shuttingDown = true;
    },
    stopAccepting() {
      shuttingDown = true;
      draining = true;
    },
    fetch: serve,
    handle,
  };
}

// A Host header the URL parser takes as it is; anything stranger goes through the adapter.
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/;
const DOT_SEGMENT = /\/(\.|%2e)|\\/i;

/** yoga answers GET only; HEAD /graphql runs as GET and loses its body in withoutBody. */
const asGet = (request: Request) => new Request(request.url, { method: 'GET', headers: request.headers });

/** yoga's 405 says `Allow: GET, POST`; HEAD is answered wherever GET is. */
function allowingHead(response: Response): Response {
  const allow = response.headers.get('allow');
  if (allow && /\bGET\b/.test(allow) && !/\bHEAD\b/.test(allow))
    response.headers.set('allow', allow.replace(/\bGET\b/, 'GET, HEAD'));
  return response;
}

/** HEAD: the GET response's status and headers (its Content-Length included), no body. */
async function withoutBody(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  if (response.body !== null) {
    const length = (await response.arrayBuffer()).byteLength;
    if (!headers.has('content-length')) headers.set('content-length', String(length));
  }
  return new Response(null, { status: response.status, statusText: response.statusText, headers });
}
