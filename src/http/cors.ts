import { Response } from '../wire/fetch-api.js';

// Browser frontends on allow-listed origins may call every surface. Credentials are API-key
// headers, never cookies, so Access-Control-Allow-Credentials is never sent and an origin is only
// echoed when it is on the list.

const ALLOW_HEADERS = 'content-type, x-api-key, authorization, if-match, x-organization-id, x-graphql-csrf';
const EXPOSE_HEADERS =
  'x-request-id, etag, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset';
const ALLOW_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';

export interface Cors {
  /** The answer to a preflight, or null when the request is not one. */
  preflight(request: Request): Response | null;
  /** Adds the CORS headers a response to an allowed origin needs. */
  decorate(request: Request, response: Response): void;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const allowedOrigin = (request: Request) => {
    const origin = request.headers.get('origin');
    return origin !== null && (allowed.has(origin) || allowed.has('*')) ? origin : null;
  };
  return {
    preflight(request) {
      if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return null;
      const origin = allowedOrigin(request);
      const headers: Record<string, string> = { vary: 'Origin' };
      if (origin) {
        Object.assign(headers, {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': ALLOW_METHODS,
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': '600',
        });
      }
      return new Response(null, { status: 204, headers });
    },
    decorate(request, response) {
      const origin = allowedOrigin(request);
      response.headers.append('vary', 'Origin');
      if (!origin) return;
      response.headers.set('access-control-allow-origin', origin);
      response.headers.set('access-control-expose-headers', EXPOSE_HEADERS);
    },
  };
}
