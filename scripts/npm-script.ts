import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// What `npm start` runs, as a command line for spawn(): the benchmark and the test of the built
// server launch the product exactly as the start script says, without npm's own processes in
// between (npm and its shell would take signals meant for the server, and add their start time).

/**
 * The argv of the npm script `name` in the package at `root`, with `node` replaced by this Node
 * binary; undefined when the package has no such script. Only the forms this project has used
 * are understood: `node …` and `tsx …` (what older checkouts' start script says).
 */
export function npmScriptArgv(root: string, name: string): string[] | undefined {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.[name];
  if (script === undefined) return undefined;
  const [program, ...args] = script.trim().split(/\s+/);
  if (program === 'node') return [process.execPath, ...args];
  if (program === 'tsx') return [process.execPath, '--import', 'tsx', ...args];
  throw new Error(`npm script "${name}" is "${script}": only "node …" and "tsx …" can be run without npm`);
}
