import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Asset } from '../wire/assets.js';

// The human-readable REST reference at /v1/docs: Swagger UI from swagger-ui-dist (SmartBear's
// prebuilt files, 2 packages and 13 MB installed; Scalar's standalone build pulls in 272 packages,
// 287 MB, and asks for Node 22), served from node_modules, never from a CDN.
const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const file = (name: string) => () => readFileSync(join(dist, name));

// validatorUrl: null keeps Swagger UI from sending the document to validator.swagger.io.
const START = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', location.href).href,
  dom_id: '#reference',
  validatorUrl: null,
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
});
`;

export const docsAssets: Record<string, Asset> = {
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', load: file('swagger-ui-bundle.js') },
  'swagger-ui.css': { type: 'text/css; charset=utf-8', load: file('swagger-ui.css') },
  'favicon-32x32.png': { type: 'image/png', load: file('favicon-32x32.png') },
  'start.js': { type: 'text/javascript; charset=utf-8', load: () => START },
};

/** Relative links: the page works behind a proxy that mounts the gateway under a prefix. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>music-gateway REST API</title>
    <link rel="icon" href="../assets/docs/favicon-32x32.png" />
    <link rel="stylesheet" href="../assets/docs/swagger-ui.css" />
  </head>
  <body>
    <noscript>The API reference needs JavaScript; the document itself is at <a href="openapi.json">openapi.json</a>.</noscript>
    <div id="reference"></div>
    <script src="../assets/docs/swagger-ui-bundle.js"></script>
    <script src="../assets/docs/start.js"></script>
  </body>
</html>
`;
