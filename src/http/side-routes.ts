import type { Database } from '../db/connection.js';
import type { Deps } from '../domain/deps.js';
import { DomainError } from '../domain/errors.js';
import { GRAPHIQL_ASSET_PREFIX, graphiqlAssets } from '../graphql/graphiql.js';
import { healthz, readyz } from '../ops/health.js';
import type { Metrics } from '../ops/metrics.js';
import { DOCS_PAGE, docsAssets } from '../rest/docs.js';
import { errorResponse } from '../wire/errors.js';
import { openApiDocument } from '../rest/openapi.js';
import { createAssetServer, html } from '../wire/assets.js';
import { Response } from '../wire/fetch-api.js';
import { indexResponse } from './index-page.js';

export interface SideRouteOptions {
  database: Database;
  metrics: Metrics;
  /** GraphiQL's assets are served only while GraphiQL is. */
  graphiql: boolean;
  /** True from SIGTERM on: readiness answers 503 while everything else is still served. */
  shuttingDown: () => boolean;
}

type Handler = (request: Request) => Promise<Response> | Response;

/**
 * Routes beside the API: the index, health, readiness, metrics, the OpenAPI document, the REST
 * reference and the browser assets of the pages. Answered before the REST handler, which owns
 * every other /v1/ path. HEAD is answered as GET (the app drops the body).
 */
export function createSideRoutes({ database, metrics, graphiql, shuttingDown }: SideRouteOptions) {
  const graphiqlFiles = createAssetServer(graphiqlAssets);
  const docsFiles = createAssetServer(docsAssets);
  let openapi: string | undefined;

  const exact: Record<string, Handler> = {
    '/': (request) => indexResponse(request, { graphiql }),
    '/healthz': () => healthz(),
    '/readyz': () => readyz(database, shuttingDown()),
    '/metrics': async () =>
      new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }),
    '/v1/openapi.json': () =>
      new Response((openapi ??= JSON.stringify(openApiDocument())), {
        headers: { 'content-type': 'application/json; charset=utf-8' },
      }),
    '/v1/docs': () => html(DOCS_PAGE),
  };
  const prefixed: [string, ReturnType<typeof createAssetServer>][] = [['/assets/docs/', docsFiles]];
  if (graphiql) prefixed.push([GRAPHIQL_ASSET_PREFIX, graphiqlFiles]);

  /** The response for a side route, or null when the path is not one of them. */
  return async function serve(request: Request, url: URL, deps: Deps): Promise<Response | null> {
    const path = url.pathname;
    let route: string | undefined;
    let handle: Handler | undefined;
    if (Object.hasOwn(exact, path)) {
      route = path;
      handle = exact[path];
    } else {
      for (const [prefix, files] of prefixed) {
        const name = path.slice(prefix.length);
        if (path.startsWith(prefix) && files.has(name)) {
          route = `${prefix}:file`;
          handle = (req) => files.serve(req, name);
        }
      }
    }
    if (!route || !handle) return null;
    if (deps.facts) deps.facts.route = route;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return errorResponse(
        'rest',
        new DomainError('METHOD_NOT_ALLOWED', `${request.method} is not supported here; use GET`, {
          allow: 'GET, HEAD',
        }),
        { traceId: deps.traceId, now: deps.now(), headers: { allow: 'GET, HEAD' } },
      );
    }
    return handle(request);
  };
}
