import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Files the gateway reads at run time (migrations, package.json) are found from the project's
// folder, not from the calling module's own place: through tsx a module sits in src/<dir>/, once
// bundled it sits in dist/ (or a chunk of it), and a fixed '../..' would be right for only one.

interface Manifest {
  name?: string;
  version: string;
}

function findRoot(start: string): { root: string; manifest: Manifest } {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      // A package.json of a subfolder (say dist/'s, were one added) is not the project's.
      if (manifest.name === 'music-gateway') return { root: dir, manifest };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (dirname(dir) === dir) throw new Error(`music-gateway's package.json not found above ${start}`);
  }
}

const found = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The folder holding music-gateway's package.json. */
export const packageRoot = found.root;
/** The version in package.json. */
export const packageVersion = found.manifest.version;
/** A path inside the project folder, e.g. `fromPackageRoot('drizzle', 'sqlite')`. */
export const fromPackageRoot = (...parts: string[]) => join(packageRoot, ...parts);
