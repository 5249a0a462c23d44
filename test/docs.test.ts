import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README, ARCHITECTURE.md and docs/ name files and link to each other; a file that moves
// without its mentions fails here instead of leaving a newcomer at a dead link.

const root = new URL('..', import.meta.url).pathname;
const pages = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('documentation', () => {
  it.each(pages)('%s links only to files that exist', (page) => {
    const text = readFileSync(join(root, page), 'utf8');
    const missing = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => !existsSync(resolve(dirname(join(root, page)), target)));
    expect(missing).toEqual([]);
  });

  it.each(pages)('%s names only source, test and benchmark files that exist', (page) => {
    const text = readFileSync(join(root, page), 'utf8');
    const named = [...text.matchAll(/`((?:src|test|bench|scripts|drizzle|examples)\/[\w./-]*\w)`/g)].map((m) => m[1]!);
    // Paths inside the codegen example are relative to it; output folders exist once something ran.
    const missing = named.filter(
      (path) => !existsSync(join(root, path)) && !/^test\/artifacts|^bench\/profiles/.test(path),
    );
    expect(missing).toEqual([]);
  });
});
