import { describe, expect, it } from 'vitest';
import { getIntrospectionQuery, parse } from 'graphql';
import { COST_WEIGHTS } from '../src/domain/cost.js';
import {
  BATCH_MAX_IDS,
  COLLECTION_TRACKS_PAGE,
  COLLECTIONS_PAGE,
  LIBRARY_PAGE,
  OPERATION_COST_LIMIT,
  REORDER_MAX_IDS,
} from '../src/domain/limits.js';
import { createCostModel, MAX_VISITS } from '../src/graphql/cost.js';
import { getSchema } from '../src/graphql/schema.js';
import { createCollectionVia, createTrackVia, createWorld, gql, onlyError, type World } from './helpers.js';

// The cost model (src/domain/cost.ts, src/graphql/cost.ts) through /graphql: every answer reports
// what its operation cost in extensions.cost, so each rule is checked by comparing documents that
// differ in the one thing the rule is about. Each comparison fails if its rule broke.

const { value, row, read, write, batchItem, reorderItem, nestedPage, introspectionValue } = COST_WEIGHTS;

async function costOf(w: World, query: string, variables: Record<string, unknown> = {}): Promise<number> {
  const res = await gql(w.app, query, variables, w.alice.key);
  const cost = res.body.extensions?.cost;
  if (typeof cost?.requestedCost !== 'number') throw new Error(`no cost in ${res.text.slice(0, 400)}`);
  return cost.requestedCost;
}

/** A collection's page of tracks, sized by `size` (a literal, a variable, or nothing). */
const tracksOf = (_w: World, size: string, selection = '{ edges { node { id } } }') => {
  const declared = `$o: ID!, $c: ID!${size.includes('$n') ? ', $n: Int' : ''}${selection.includes('$yes') ? ', $yes: Boolean!' : ''}`;
  return `query(${declared}) { collection(organizationId: $o, id: $c) { id tracks${size} ${selection} } }`;
};

describe('the cost of an operation, from the values it will run with', () => {
  it('a page size in a variable counts like the same literal; another value counts another size', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const vars = { o: w.orgA, c, yes: true };
    const literal = await costOf(w, tracksOf(w, '(first: 37)'), vars);
    expect(await costOf(w, tracksOf(w, '(first: $n)'), { ...vars, n: 37 })).toBe(literal);
    const one = await costOf(w, tracksOf(w, '(first: $n)'), { ...vars, n: 1 });
    // Each track of the page is a row (its edge) holding a node with one value.
    expect(literal - one).toBe(36 * (row + value + value));
  });

  it('an omitted page size counts the default the resolver applies, not 1', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const vars = { o: w.orgA, c, yes: true };
    const omitted = await costOf(w, tracksOf(w, ''), vars);
    expect(omitted).toBe(await costOf(w, tracksOf(w, `(first: ${COLLECTION_TRACKS_PAGE.defaultSize})`), vars));
    expect(omitted).toBeGreaterThan(await costOf(w, tracksOf(w, '(first: 1)'), vars));
    // So is a null variable: the resolver sees no size.
    expect(await costOf(w, tracksOf(w, '(first: $n)'), { ...vars, n: null })).toBe(omitted);
    const list = (size: string) =>
      `query($o: ID!) { collections(organizationId: $o${size}) { edges { node { id } } } }`;
    expect(await costOf(w, list(''), { o: w.orgA })).toBe(
      await costOf(w, list(`, first: ${COLLECTIONS_PAGE.defaultSize}`), { o: w.orgA }),
    );
    const library = (size: string) => `query($o: ID!) { tracks(organizationId: $o${size}) { edges { node { id } } } }`;
    expect(await costOf(w, library(''), { o: w.orgA })).toBe(
      await costOf(w, library(`, first: ${LIBRARY_PAGE.defaultSize}`), { o: w.orgA }),
    );
  });

  it('last counts like first; a size the resolver refuses counts its nearest accepted size and fails as before', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const vars = { o: w.orgA, c, yes: true };
    expect(await costOf(w, tracksOf(w, '(last: 7)'), vars)).toBe(await costOf(w, tracksOf(w, '(first: 7)'), vars));
    const over = await gql(w.app, tracksOf(w, `(first: ${COLLECTION_TRACKS_PAGE.maxSize + 1})`), vars, w.alice.key);
    expect(onlyError(over).extensions.code).toBe('VALIDATION_ERROR');
    expect(over.body.extensions.cost.requestedCost).toBe(
      await costOf(w, tracksOf(w, `(first: ${COLLECTION_TRACKS_PAGE.maxSize})`), vars),
    );
  });

  it('nested pages multiply: every collection of the page holds its own page of tracks', async () => {
    const w = await createWorld();
    const nested = (p: number, q: number) =>
      `query($o: ID!) { collections(organizationId: $o, first: ${p}) { edges { node { id tracks(first: ${q}) { edges { node { id } } } } } } }`;
    const track = (await costOf(w, nested(1, 3), { o: w.orgA })) - (await costOf(w, nested(1, 2), { o: w.orgA }));
    expect(track).toBe(row + 2 * value);
    expect((await costOf(w, nested(40, 3), { o: w.orgA })) - (await costOf(w, nested(40, 2), { o: w.orgA }))).toBe(
      40 * track,
    );
    // And each collection of the page pays for its nested page.
    const collection = (await costOf(w, nested(2, 1), { o: w.orgA })) - (await costOf(w, nested(1, 1), { o: w.orgA }));
    expect(collection).toBe(row + 3 * value + nestedPage + value + track);
  });

  it('aliases count each time they execute; fields merged under one response key count once', async () => {
    const w = await createWorld();
    const page = 'collections(organizationId: $o, first: 10) { edges { node { id name } } }';
    const once = await costOf(w, `query($o: ID!) { ${page} }`, { o: w.orgA });
    expect(await costOf(w, `query($o: ID!) { a: ${page} b: ${page} c: ${page} }`, { o: w.orgA })).toBe(3 * once);
    const merged = `query($o: ID!) { collections(organizationId: $o, first: 10) { edges { node { id } } }
      collections(organizationId: $o, first: 10) { edges { node { name } } } }`;
    expect(await costOf(w, merged, { o: w.orgA })).toBe(once);
  });

  it('named and inline fragments count as the fields they bring; @skip and @include as they evaluate', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const vars = { o: w.orgA, c, yes: true };
    const plain = await costOf(w, tracksOf(w, '(first: 20)', '{ edges { position node { id title } } }'), vars);
    const named = `query($o: ID!, $c: ID!) { collection(organizationId: $o, id: $c) { id tracks(first: 20) { ...Page } } }
      fragment Page on CollectionTrackConnection { edges { position node { ...T } } } fragment T on Track { id title }`;
    expect(await costOf(w, named, vars)).toBe(plain);
    const inline = tracksOf(
      w,
      '(first: 20)',
      '{ edges { position ... on CollectionTrackEdge { node { id ... { title } } } } }',
    );
    expect(await costOf(w, inline, vars)).toBe(plain);
    const without = await costOf(w, tracksOf(w, '(first: 20)', '{ edges { position node { id } } }'), vars);
    expect(
      await costOf(w, tracksOf(w, '(first: 20)', '{ edges { position node { id title @skip(if: true) } } }'), vars),
    ).toBe(without);
    const conditional = tracksOf(w, '(first: 20)', '{ edges { position node { id title @include(if: $yes) } } }');
    expect(await costOf(w, conditional, { ...vars, yes: false })).toBe(without);
    expect(await costOf(w, conditional, { ...vars, yes: true })).toBe(plain);
    // A whole page skipped by a variable costs nothing.
    const skipped = `query($o: ID!, $yes: Boolean!) { viewer { id } collections(organizationId: $o, first: 100) @skip(if: $yes) { edges { node { id } } } }`;
    expect(await costOf(w, skipped, { o: w.orgA, yes: true })).toBe(await costOf(w, '{ viewer { id } }'));
  });

  it('a field of an abstract type counts its costliest possible type', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const asCollection = `{ node(id: "${c}") { ... on Collection { tracks(first: 50) { edges { node { id } } } } } }`;
    const either = `{ node(id: "${c}") { ... on Collection { tracks(first: 50) { edges { node { id } } } } ... on Track { id title } } }`;
    expect(await costOf(w, either)).toBe(await costOf(w, asCollection));
    const asTrack = `{ node(id: "${c}") { ... on Track { id title } } }`;
    expect(await costOf(w, asTrack)).toBe(value + read + 2 * value);
  });

  it('root reads, writes and each id of a batch carry their weights', async () => {
    const w = await createWorld();
    expect(await costOf(w, '{ viewer { id } }')).toBe(value + read + value);
    const t = await createTrackVia(w.app, w.alice.key, w.orgA);
    const save = (ids: string[]) =>
      gql(
        w.app,
        'mutation($o: ID!, $ids: [ID!]!) { saveTracks(organizationId: $o, trackIds: $ids) { success } }',
        { o: w.orgA, ids },
        w.alice.key,
      );
    const one = (await save([t])).body.extensions.cost.requestedCost;
    expect(one).toBe(value + write + batchItem + row + value);
    const three = (await save([t, t, t])).body.extensions.cost.requestedCost;
    expect(three - one).toBe(2 * (batchItem + row + value));
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const reorder = (n: number) =>
      gql(
        w.app,
        'mutation($o: ID!, $c: ID!, $ids: [ID!]!) { reorderCollection(organizationId: $o, collectionId: $c, orderedTrackIds: $ids) { success } }',
        { o: w.orgA, c, ids: Array.from({ length: n }, () => t) },
        w.alice.key,
      );
    expect(
      (await reorder(11)).body.extensions.cost.requestedCost - (await reorder(1)).body.extensions.cost.requestedCost,
    ).toBe(10 * reorderItem);
  });

  it('introspection is counted exactly, from the schema', async () => {
    const w = await createWorld();
    const schema = getSchema();
    const fields = Object.keys(
      (schema.getType('MutationAck') as import('graphql').GraphQLObjectType).getFields(),
    ).length;
    // __type, its fields list, one item and one name per field.
    expect(await costOf(w, '{ __type(name: "MutationAck") { fields { name } } }')).toBe(
      introspectionValue * (1 + 1 + 2 * fields),
    );
    // GraphiQL's own query runs, however many types the schema has.
    const res = await gql(w.app, getIntrospectionQuery());
    expect(res.body.errors).toBeUndefined();
    expect(res.body.extensions.cost.requestedCost).toBeLessThan(OPERATION_COST_LIMIT);
  });

  it('every list field of the schema has a size in the model', () => {
    expect(createCostModel(getSchema()).unsizedLists()).toEqual([]);
  });

  it('every size the domain allows runs under the limit, one field at its maximum', () => {
    const model = createCostModel(getSchema());
    const cost = (query: string, variables: Record<string, unknown> = {}) => {
      const result = model.cost(parse(query), undefined, variables);
      return result.cost ?? Number.POSITIVE_INFINITY;
    };
    const track =
      'id title engine mode durationSeconds instrumental audioUrl artworkUrl createdAt updatedAt creatorId organizationId';
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `mtrack_${i}`);
    const maxima = [
      cost(
        `{ collection(organizationId: "o", id: "c") { tracks(first: ${COLLECTION_TRACKS_PAGE.maxSize}) { edges { cursor position addedAt node { ${track} } } } } }`,
      ),
      cost(
        `{ collections(organizationId: "o", first: ${COLLECTIONS_PAGE.maxSize}) { edges { node { id name coverTrack { ${track} } tracks(first: 10) { edges { node { ${track} } } } } } } }`,
      ),
      cost(
        `{ tracks(organizationId: "o", first: ${LIBRARY_PAGE.maxSize}) { edges { cursor savedAt source node { ${track} } } } }`,
      ),
      cost(
        'mutation($ids: [ID!]!) { saveTracks(organizationId: "o", trackIds: $ids) { inputId success id error { code message } } }',
        { ids: ids(BATCH_MAX_IDS) },
      ),
      cost(
        'mutation($ids: [ID!]!) { reorderCollection(organizationId: "o", collectionId: "c", orderedTrackIds: $ids) { success } }',
        { ids: ids(REORDER_MAX_IDS) },
      ),
      cost(getIntrospectionQuery()),
    ];
    for (const m of maxima) expect(m).toBeLessThanOrEqual(OPERATION_COST_LIMIT);
  });

  it('costing gives up, refusing, on documents whose fragments fan out beyond any real one', () => {
    // Outside the HTTP limits (which already stop this document's aliases): the walk itself is bounded.
    const model = createCostModel(getSchema());
    const level = (
      i: number,
    ) => `fragment F${i} on Viewer { ${Array.from({ length: 8 }, (_, j) => `a${j}: organizations { ...G${i} }`).join(' ')} }
      fragment G${i} on OrganizationMembership { id }`;
    const wide = `{ ${Array.from({ length: 3000 }, (_, i) => `v${i}: viewer { ...F0 }`).join(' ')} } ${level(0)}`;
    const document = parse(wide);
    // 3,000 × 8 organization selections as written: past MAX_VISITS, so without the bound this
    // document would get a cost; the refusal is the bound at work. (How long the walk takes is for
    // the benchmark, not for a timed assertion on a shared machine.)
    expect(3000 * 8).toBeGreaterThan(MAX_VISITS);
    expect(model.cost(document, undefined, {})).toEqual({ ok: false, cost: null });
  });
});

describe('over the limit', () => {
  it('is QUERY_LIMIT_EXCEEDED with the cost and the limit, before any resolver runs (no statement reaches the database)', async () => {
    const statements: string[] = [];
    const w = await createWorld({ onStatement: (sql) => statements.push(sql) });
    const page =
      'collections(organizationId: $o, first: $a) { edges { node { tracks(first: $b) { edges { node { id title } } } } } }';
    const hostile = `query($o: ID!, $a: Int, $b: Int) { ${Array.from({ length: 15 }, (_, i) => `c${i}: ${page}`).join(' ')} }`;
    statements.length = 0;
    const res = await gql(w.app, hostile, { o: w.orgA, a: 100, b: 500 }, w.alice.key);
    const error = onlyError(res);
    expect(error.extensions).toMatchObject({
      code: 'QUERY_LIMIT_EXCEEDED',
      status: 400,
      details: { limit: OPERATION_COST_LIMIT },
    });
    expect(error.extensions.details.cost).toBe(res.body.extensions.cost.requestedCost);
    expect(error.extensions.details.cost).toBeGreaterThan(OPERATION_COST_LIMIT);
    expect(error.extensions.system_message).toContain(String(OPERATION_COST_LIMIT));
    expect(res.body.data).toBeUndefined();
    // Not even the key was looked up: the refusal came before the first resolver.
    expect(statements).toEqual([]);
  });

  it('a document whose variables do not coerce is not costed, and fails as it always did', async () => {
    const w = await createWorld();
    const res = await gql(
      w.app,
      'query($o: ID!, $n: Int) { collections(organizationId: $o, first: $n) { edges { cursor } } }',
      { o: w.orgA, n: 'many' },
      w.alice.key,
    );
    expect(onlyError(res).extensions).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'n' } });
    expect(res.body.extensions.cost).toEqual({ requestedCost: null, limit: OPERATION_COST_LIMIT, budget: null });
  });
});

describe('extensions.cost', () => {
  it('is on every answer: a success, a refusal, a document that does not validate or parse', async () => {
    const w = await createWorld();
    const ok = await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    expect(ok.body.extensions.cost).toEqual({
      requestedCost: value + read + value,
      limit: OPERATION_COST_LIMIT,
      budget: null,
    });
    const invalid = await gql(w.app, '{ viewer { nope } }', {}, w.alice.key);
    expect(invalid.body.extensions.cost).toEqual({ requestedCost: null, limit: OPERATION_COST_LIMIT, budget: null });
    const broken = await gql(w.app, '{ viewer { id ', {}, w.alice.key);
    expect(broken.body.extensions.cost).toEqual({ requestedCost: null, limit: OPERATION_COST_LIMIT, budget: null });
    const get = await w.app.fetch(
      new Request('http://gateway.test/graphql?query=%7B__typename%7D', {
        headers: { accept: 'application/json', 'x-graphql-csrf': '1' },
      }),
    );
    expect((await get.json()).extensions.cost).toEqual({
      requestedCost: value,
      limit: OPERATION_COST_LIMIT,
      budget: null,
    });
  });
});
