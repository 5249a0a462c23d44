import type { GraphiQLOptions } from 'graphql-yoga';
import { scriptJson, type Asset } from '../wire/assets.js';

// GraphiQL from @graphql-yoga/render-graphiql, the Yoga team's build of GraphiQL with its editor
// workers, served as separate same-origin files instead of yoga's default CDN links (and instead of
// that package's own renderer, which inlines all 9 MB into every page load).
export const GRAPHIQL_ASSET_PREFIX = '/assets/graphiql/';
// The page is served at /graphql, so its asset URLs are relative to the root.
const ASSETS = GRAPHIQL_ASSET_PREFIX.slice(1);

// Imported on first request: the bundle is 9 MB of strings that the API itself never needs.
const bundle = () => import('@graphql-yoga/render-graphiql/graphiql');
const JS = 'text/javascript; charset=utf-8';

// Monaco asks for a worker by label; these are the labels the bundle uses.
const START = `self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: function (_moduleId, label) {
    var file = { json: 'json', graphql: 'graphql' }[label] || 'editor';
    return new URL('${ASSETS}' + file + '.worker.js', location.href).href;
  },
};
YogaGraphiQL.renderYogaGraphiQL(
  document.getElementById('root'),
  JSON.parse(document.getElementById('graphiql-options').textContent),
);
`;

export const graphiqlAssets: Record<string, Asset> = {
  'graphiql.js': { type: JS, load: async () => (await bundle()).js },
  'graphiql.css': { type: 'text/css; charset=utf-8', load: async () => (await bundle()).css },
  'editor.worker.js': { type: JS, load: async () => (await bundle()).editorWorkerService },
  'json.worker.js': { type: JS, load: async () => (await bundle()).jsonWorker },
  'graphql.worker.js': { type: JS, load: async () => (await bundle()).graphqlWorker },
  'favicon.ico': {
    type: 'image/x-icon',
    load: async () => Buffer.from((await bundle()).favicon.replace(/^data:[^,]*;base64,/, ''), 'base64'),
  },
  'start.js': { type: JS, load: () => START },
};

/** The page yoga serves at GET /graphql to browsers: a shell whose assets are all relative URLs. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  const title = (options.title ?? 'GraphiQL').replace(/[<&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${ASSETS}favicon.ico" />
    <link rel="stylesheet" href="${ASSETS}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script id="graphiql-options" type="application/json">${scriptJson(options)}</script>
    <script src="${ASSETS}graphiql.js"></script>
    <script src="${ASSETS}start.js"></script>
  </body>
</html>
`;
}
