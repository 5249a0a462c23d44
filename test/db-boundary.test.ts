import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The dialect stays inside src/db: the domain is written against src/db/database.ts (named reads
// and writes of plain rows) and never sees drizzle, SQL or which database runs; src/db itself has
// no import circle, so each of its files can be read (and loaded) after the ones it names.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(folder, f));
}

/** Every module a file imports (statically, dynamically or by re-export), as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found = text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g);
  return [...found].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

const local = (file: string, specifier: string) => normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');

describe('the dialect boundary', () => {
  it('src/domain imports no query builder, no dialect and no table, only the neutral database interface', () => {
    const allowed = new Set(['src/db/database.ts', 'src/db/rows.ts', 'src/db/ids.ts']);
    const crossings = sources('src/domain').flatMap((file) =>
      importsOf(file).flatMap((specifier) => {
        if (specifier.startsWith('drizzle-orm') || specifier === 'better-sqlite3' || specifier === 'pg') return [`${file} → ${specifier}`];
        if (!specifier.startsWith('.')) return [];
        const target = relative(root, join(root, local(file, specifier)));
        return target.startsWith('src/db/') && !allowed.has(target) ? [`${file} → ${target}`] : [];
      }),
    );
    expect(crossings).toEqual([]);
  });

  it('src/db has no import circle', () => {
    const files = sources('src/db');
    const edges = new Map(files.map((f) => [f, importsOf(f).filter((s) => s.startsWith('./')).map((s) => local(f, s))]));
    const circles: string[] = [];
    const visit = (file: string, path: string[]) => {
      for (const next of edges.get(file) ?? []) {
        if (path.includes(next)) circles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else visit(next, [...path, next]);
      }
    };
    for (const file of files) visit(file, [file]);
    expect([...new Set(circles)]).toEqual([]);
  });
});
