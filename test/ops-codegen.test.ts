import { readdirSync, readFileSync } from 'node:fs';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';

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
    for (const file of files) expect(validate(schema, parse(read(`src/${file}`))).map((e) => e.message), file).toEqual([]);
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
