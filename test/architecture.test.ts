import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Keeps ARCHITECTURE.md honest: every import in src/ points down the layers it describes, and the
// layers that must not know GraphQL, HTTP or the database dialect do not import them.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** Bottom to top; a module may import its own layer and the ones before it. The same table is in ARCHITECTURE.md. */
const LAYERS: [string, RegExp][] = [
  ['base', /^package-root\.ts$/],
  ['db', /^db\//],
  ['domain', /^domain\//],
  ['wire', /^wire\//],
  ['ops', /^ops\//],
  ['graphql', /^graphql\//],
  ['rest', /^rest\//],
  ['http', /^http\//],
  ['app', /^app\.ts$/],
  ['entry', /^(server|config)\.ts$|^cli\//],
];

/** Packages a layer must not import, and why. */
const FORBIDDEN_PACKAGES: Record<string, [RegExp, string][]> = {
  db: [[/^(graphql|graphql-yoga|@pothos\/|@envelop\/|@whatwg-node\/)/, 'the database layer knows no API']],
  domain: [
    [/^(graphql|graphql-yoga|graphql-jit|@pothos\/|@envelop\/|@escape\.tech\/)/, 'business rules know no GraphQL'],
    [/^(@whatwg-node\/|node:http$|pino|prom-client)/, 'business rules know no HTTP or operations'],
    [/^(better-sqlite3|pg|@electric-sql\/pglite|drizzle-orm\/(sqlite-core|pg-core|better-sqlite3|node-postgres|pglite))/, 'the dialect stays in src/db'],
  ],
  wire: [[/^(graphql|graphql-yoga|@pothos\/|@envelop\/|drizzle-orm|better-sqlite3|pg)$/, 'wire forms are transport-neutral']],
  rest: [[/^(graphql|graphql-yoga|graphql-jit|@pothos\/|@envelop\/)/, 'REST runs operations through the runner app.ts hands it']],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const layerOf = (file: string): number => {
  const rel = relative(src, file);
  const index = LAYERS.findIndex(([, pattern]) => pattern.test(rel));
  if (index === -1) throw new Error(`${rel} belongs to no layer: add it to ARCHITECTURE.md and LAYERS in this test`);
  return index;
};

/** Static and dynamic import specifiers, type-only ones included (they couple the code just the same). */
const importsOf = (text: string): string[] =>
  [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2])!);

const files = sources(src);

describe('layers (ARCHITECTURE.md)', () => {
  it('every source file belongs to a layer', () => {
    for (const file of files) expect(() => layerOf(file)).not.toThrow();
  });

  it('imports only point down', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        const to = layerOf(target);
        if (to > from) upward.push(`${relative(src, file)} (${LAYERS[from]![0]}) imports ${relative(src, target)} (${LAYERS[to]![0]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('layers that must not know a library do not import it', () => {
    const found: string[] = [];
    for (const file of files) {
      const layer = LAYERS[layerOf(file)]![0];
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        for (const [pattern, why] of FORBIDDEN_PACKAGES[layer] ?? []) {
          if (pattern.test(specifier)) found.push(`${relative(src, file)} imports ${specifier}: ${why}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('the test reads imports as the compiler does (it would catch an upward import)', () => {
    const text = "import type { A } from '../graphql/x.js';\nexport { B } from './b.js';\nconst c = await import('../rest/c.js');";
    expect(importsOf(text)).toEqual(['../graphql/x.js', './b.js', '../rest/c.js']);
  });

  it('ARCHITECTURE.md names every layer and every folder of src/', () => {
    const doc = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
    for (const [name] of LAYERS) expect(doc, name).toContain(`| ${name} |`);
    for (const entry of readdirSync(src)) expect(doc, entry).toContain(`src/${entry}`);
  });
});
