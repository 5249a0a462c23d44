// Bundles the gateway's entry points into dist/, which `npm start` and `npm run admin` run with
// plain node: starting then loads a few JavaScript files instead of compiling every TypeScript
// module through tsx's loader first. Plain JavaScript itself, so it needs nothing but esbuild and
// runs in well under a second (prepare, prestart and preadmin all call it).
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts', 'src/cli/admin.ts'],
  outdir,
  outbase: 'src',
  bundle: true,
  // Dependencies load from node_modules as they would under tsx (native better-sqlite3, files
  // that packages read next to themselves); only the project's own modules are bundled.
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // `await import('./postgres.js')` stays a separate file, so pg loads only for a postgres:// URL
  // (without splitting, esbuild would hoist pg's import to the top of the bundle).
  splitting: true,
  // `node --enable-source-maps` (the start script) maps stack traces back to src/ lines.
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

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
