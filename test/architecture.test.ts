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
    [/^(better-sqlite3|pg|@electric-sql\/pglite|drizzle-orm)/, 'the query builder and the dialect stay in src/db'],
  ],
  wire: [
    [/^(graphql|graphql-yoga|@pothos\/|@envelop\/|drizzle-orm|better-sqlite3|pg)$/, 'wire forms are transport-neutral'],
  ],
  rest: [
    [
      /^(graphql|graphql-yoga|graphql-jit|@pothos\/|@envelop\/)/,
      'REST runs operations through the runner app.ts hands it',
    ],
  ],
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

/** Static, side-effect and dynamic import specifiers, type-only ones included (they couple the code just the same). */
const importsOf = (text: string): string[] =>
  [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
    ),
  ].map((m) => (m[1] ?? m[2] ?? m[3])!);

/** What the domain may see of src/db: the neutral interface of named reads and writes, row types, ids. */
const DOMAIN_VIEW_OF_DB = new Set(['db/database.ts', 'db/rows.ts', 'db/ids.ts']);

const localImports = (file: string): string[] =>
  importsOf(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));

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
        if (to > from)
          upward.push(
            `${relative(src, file)} (${LAYERS[from]![0]}) imports ${relative(src, target)} (${LAYERS[to]![0]})`,
          );
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

  it('the domain sees only the neutral database interface of src/db, never a table or a dialect', () => {
    const crossings = files
      .filter((file) => LAYERS[layerOf(file)]![0] === 'domain')
      .flatMap((file) =>
        localImports(file)
          .map((target) => relative(src, target))
          .filter((target) => target.startsWith('db/') && !DOMAIN_VIEW_OF_DB.has(target))
          .map((target) => `${relative(src, file)} imports ${target}`),
      );
    expect(crossings).toEqual([]);
  });

  it('src/db has no import circle, so each file can be read after the ones it names', () => {
    const db = files.filter((file) => relative(src, file).startsWith('db/'));
    const edges = new Map(db.map((file) => [file, localImports(file).filter((target) => db.includes(target))]));
    const circles = new Set<string>();
    const visit = (file: string, path: string[]) => {
      for (const next of edges.get(file) ?? []) {
        if (path.includes(next))
          circles.add([...path.slice(path.indexOf(next)), next].map((f) => relative(src, f)).join(' → '));
        else visit(next, [...path, next]);
      }
    };
    for (const file of db) visit(file, [file]);
    expect([...circles]).toEqual([]);
  });

  it('the test reads imports as the compiler does (it would catch an upward import)', () => {
    const text =
      "import type { A } from '../graphql/x.js';\nexport { B } from './b.js';\nimport './side.js';\nconst c = await import('../rest/c.js');";
    expect(importsOf(text)).toEqual(['../graphql/x.js', './b.js', './side.js', '../rest/c.js']);
  });

  it('ARCHITECTURE.md names every layer and every folder of src/', () => {
    const doc = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
    for (const [name] of LAYERS) expect(doc, name).toContain(`| ${name} |`);
    for (const entry of readdirSync(src)) expect(doc, entry).toContain(`src/${entry}`);
  });
});
