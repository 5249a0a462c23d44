import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { seedDemo, startServer, type ServerProcess } from '../scripts/crash/process.js';

// examples/codegen has its own dependencies (GraphQL Code Generator), outside `npm test`; this
// checks, with graphql alone, that its operations still fit the committed schema and that its
// generated output covers each of them, so a schema change that breaks the example shows here.
const example = new URL('../examples/codegen/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, example), 'utf8');

describe('examples/codegen', () => {
  const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
  const files = readdirSync(new URL('src/', example)).filter((f) => f.endsWith('.graphql'));

  it('has operations that are valid against schema.graphql', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files)
      expect(
        validate(schema, parse(read(`src/${file}`))).map((e) => e.message),
        file,
      ).toEqual([]);
  });

  it('commits generated, typed documents for every operation', () => {
    const generated = read('src/gql/graphql.ts');
    for (const file of files) {
      for (const def of parse(read(`src/${file}`)).definitions) {
        if (def.kind !== Kind.OPERATION_DEFINITION) continue;
        const name = (def as OperationDefinitionNode).name!.value;
        expect(generated).toContain(`export const ${name}Document = `);
        expect(generated).toMatch(new RegExp(`export type ${name}(Query|Mutation) = `));
      }
    }
  });
});

describe('examples/codegen ships a trusted-document manifest', () => {
  const manifest = JSON.parse(read('src/gql/persisted-documents.json')) as Record<string, string>;
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
    server = dir = undefined;
  });

  it('holds every generated document under the SHA-256 it embeds', () => {
    const hashes = [...read('src/gql/graphql.ts').matchAll(/"__meta__":\{"hash":"([^"]+)"\}/g)].map((m) => m[1]!);
    expect(hashes.length).toBeGreaterThan(0);
    expect(Object.keys(manifest).sort()).toEqual([...hashes].sort());
    for (const [id, text] of Object.entries(manifest))
      expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });

  it("its client runs against a gateway started with the manifest, sending only documents' ids", async () => {
    dir = mkdtempSync(join(tmpdir(), 'music-gateway-codegen-'));
    const database = join(dir, 'music.db');
    const demo = seedDemo(database);
    server = await startServer(database, {
      GRAPHQL_TRUSTED_DOCUMENTS: new URL('src/gql/persisted-documents.json', example).pathname,
    });
    // The example's own module (typed against its own dependencies, so not followed by this typecheck).
    const client = new URL('src/client.ts', example).pathname;
    const { example: run } = (await import(client)) as {
      example: (endpoint: string, key: string, org: string) => Promise<{ id: string; names: string[] }>;
    };
    const result = await run(`${server.url}/graphql`, demo.key, demo.organization_id);
    expect(result.id).toMatch(/^mcoll_/);
    expect(result.names).toContain('Focus Sessions (0)');
  }, 120_000);
});
