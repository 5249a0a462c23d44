// Bundles the gateway's entry points, with their dependencies, into dist/, which `npm start` and
// `npm run admin` run with plain node. Starting then compiles a few large files instead of having
// Node resolve and load about 1,100 modules one by one (the most of a cold start, measured with
// --cpu-prof), and nothing is transpiled at start as tsx does. Plain JavaScript itself, so it needs
// nothing but esbuild; it runs in well under a second (prepare, prestart and preadmin call it).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { keepOwnMappings } from './own-mappings.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts', 'src/cli/admin.ts'],
  outdir,
  outbase: 'src',
  bundle: true,
  // Loaded from node_modules at run time, not bundled:
  external: [
    // a native addon, found next to its own files
    'better-sqlite3',
    // loaded only for a postgres:// DATABASE_URL, and optionally requires pg-native
    'pg',
    // starts its transports' worker threads from files next to its own (we use none; a bundle
    // would break them silently)
    'pino',
    // 9 MB of GraphiQL strings, imported on the first request for GraphiQL's assets
    '@graphql-yoga/render-graphiql',
  ],
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // `await import('./postgres.js')` stays a separate file, so pg loads only for a postgres:// URL
  // (without splitting, esbuild would hoist pg's import to the top of the bundle).
  splitting: true,
  // Bundled CommonJS packages call require() for Node's own modules, which ES modules lack.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // `node --enable-source-maps` (the start script) maps stack traces back to src/ lines.
  sourcemap: true,
  // Stack traces need the mappings, not the sources: a third of the size, less to read at start.
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
});

// Stack traces map to src/; frames in dependencies keep the bundle's positions (own-mappings.mjs).
const fromDependency = (source) => /(^|\/)node_modules\//.test(source);
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.map'))) {
  const path = join(root, file);
  writeFileSync(
    path,
    JSON.stringify(keepOwnMappings(JSON.parse(readFileSync(path, 'utf8')), (source) => !fromDependency(source))),
  );
}

// Outputs of earlier builds (chunk names carry a content hash) are removed after the new files are
// written rather than by emptying dist/ first, so dist/ is never without a complete build.
const written = new Set(Object.keys(result.metafile.outputs).map((file) => join(root, file)));
for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
  const path = join(entry.parentPath ?? entry.path, entry.name);
  if (entry.isFile() && !written.has(path)) rmSync(path);
}
if (process.argv.includes('--verbose')) {
  for (const file of written) console.log(relative(root, file));
}
