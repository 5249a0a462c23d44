import { packageVersion } from '../package-root.js';
import { json } from '../wire/errors.js';
import { html } from '../wire/assets.js';

const LINKS = [
  ['graphql', 'graphql', 'GraphQL endpoint (POST; GraphiQL in a browser)'],
  ['rest_reference', 'v1/docs', 'REST API reference'],
  ['openapi', 'v1/openapi.json', 'OpenAPI 3.1 document of the REST API'],
  ['liveness', 'healthz', 'liveness probe: the process answers'],
  ['readiness', 'readyz', 'readiness probe: database reachable, migrations applied, not shutting down'],
  ['metrics', 'metrics', 'Prometheus metrics'],
] as const;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * `GET /`: where to go from here, as JSON for programs and as a page of links for a browser
 * (`Accept: text/html`). The page's links are relative, so it works under a proxy's prefix.
 */
export function indexResponse(request: Request, { graphiql }: { graphiql: boolean }): Response {
  const links = LINKS.map(([key, path, what]) => ({
    key,
    path,
    what: key === 'graphql' && !graphiql ? 'GraphQL endpoint (POST)' : what,
  }));
  let response: Response;
  if (/\btext\/html\b/.test(request.headers.get('accept') ?? '')) {
    const items = links
      .map((l) => `      <li><a href="${l.path}">/${l.path}</a>: ${escapeHtml(l.what)}</li>`)
      .join('\n');
    response = html(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>music-gateway</title>
  </head>
  <body>
    <h1>music-gateway ${escapeHtml(packageVersion)}</h1>
    <ul>
${items}
    </ul>
  </body>
</html>
`);
  } else {
    response = json(
      {
        name: 'music-gateway',
        version: packageVersion,
        links: Object.fromEntries(links.map((l) => [l.key, `/${l.path}`])),
      },
      200,
    );
  }
  response.headers.set('vary', 'accept');
  return response;
}
