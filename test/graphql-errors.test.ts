import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  captureLogger,
  createCollectionVia,
  createWorld,
  gql,
  onlyError,
  rest,
  rows,
  type HttpResult,
} from './helpers.js';

// How /graphql fails: every error has the documented extensions, GraphQL's own errors are
// classified, nothing internal leaks, and the trace id travels in X-Request-Id.

const EXTENSION_KEYS = ['code', 'details', 'status', 'system_message', 'timestamp', 'trace_id', 'type'];

/** No stack frames, source paths or file positions anywhere in a response. */
function expectNoInternals(res: HttpResult) {
  expect(res.text).not.toContain('at /');
  expect(res.text).not.toContain('.ts:');
  expect(res.text).not.toMatch(/\bstack\b/i);
  expect(res.text).not.toContain('node_modules');
  expect(res.text).not.toContain('/work/');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GraphQL document errors', () => {
  it('a syntax error is GRAPHQL_PARSE_FAILED with the documented extensions', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ viewer { id ', {}, w.alice.key);
    const error = onlyError(res);
    expect(error.message).toBe('The GraphQL document could not be parsed.');
    expect(error.extensions).toEqual({
      code: 'GRAPHQL_PARSE_FAILED',
      status: 400,
      type: 'client_error',
      system_message: expect.stringMatching(/^Syntax Error/),
      details: {},
      trace_id: res.headers.get('x-request-id'),
      timestamp: '2026-06-28T10:30:00Z',
    });
    expect(res.body.data).toBeUndefined();
    expectNoInternals(res);
  });

  it('a syntax error is reported the same without a key', async () => {
    const w = await createWorld();
    const res = await gql(w.app, 'mutation { createCollection(', {});
    expect(onlyError(res).extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('an unknown field is GRAPHQL_VALIDATION_FAILED, without "Did you mean" suggestions', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ viewer { id passwordHash } }', {}, w.alice.key);
    const error = onlyError(res);
    expect(error.message).toBe('The GraphQL operation is not valid for this schema.');
    expect(error.extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      status: 400,
      type: 'client_error',
      details: {},
    });
    expect(Object.keys(error.extensions).sort()).toEqual(EXTENSION_KEYS);
    expect(res.body.data).toBeUndefined();
    expect(res.text).not.toMatch(/Did you mean/);
    expectNoInternals(res);
  });

  it('other schema mismatches are GRAPHQL_VALIDATION_FAILED too', async () => {
    const w = await createWorld();
    const documents = [
      '{ notAField }',
      '{ viewer }', // object field without a selection
      '{ collections(organizationId: "org_a", nope: 1) { edges { cursor } } }', // unknown argument
      '{ collection(organizationId: "org_a") { id } }', // missing required argument
      'mutation { createCollection(organizationId: "org_a", input: { name: 5 }) { id } }', // literal of the wrong type
    ];
    for (const query of documents) {
      const res = await gql(w.app, query, {}, w.alice.key);
      const codes = res.body.errors.map((e: any) => e.extensions.code);
      expect(new Set(codes), query).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      expect(res.body.data, query).toBeUndefined();
      expectNoInternals(res);
    }
  });

  it('variables misused by the document itself (unused, undefined, wrong type for the position) are GRAPHQL_VALIDATION_FAILED', async () => {
    // These are static validation errors of the document, whatever variable values are sent;
    // they are not bad input, and no input field is at fault.
    const w = await createWorld();
    const documents: [string, Record<string, unknown>][] = [
      ['query($x: Int) { viewer { id } }', {}],
      ['query { collections(organizationId: $o) { edges { cursor } } }', { o: 'org_a' }],
      ['query($o: String!) { collections(organizationId: $o) { edges { cursor } } }', { o: 'org_a' }],
    ];
    for (const [query, variables] of documents) {
      const res = await gql(w.app, query, variables, w.alice.key);
      const error = onlyError(res);
      expect(error.extensions, query).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', status: 400, details: {} });
    }
  });

  it('a variable value of the wrong type or a missing required variable is VALIDATION_ERROR naming it', async () => {
    const w = await createWorld();
    const query = 'query($o: ID!, $first: Int) { collections(organizationId: $o, first: $first) { edges { cursor } } }';
    const missing = await gql(w.app, query, {}, w.alice.key);
    expect(onlyError(missing).extensions).toMatchObject({
      code: 'VALIDATION_ERROR',
      status: 422,
      details: { field: 'o' },
    });
    const wrong = await gql(w.app, query, { o: w.orgA, first: 'ten' }, w.alice.key);
    expect(onlyError(wrong).extensions).toMatchObject({
      code: 'VALIDATION_ERROR',
      status: 422,
      details: { field: 'first' },
    });
    const huge = await gql(w.app, query, { o: w.orgA, first: 2 ** 31 }, w.alice.key);
    expect(onlyError(huge).extensions).toMatchObject({
      code: 'VALIDATION_ERROR',
      status: 422,
      details: { field: 'first' },
    });
  });

  it('an unexpected failure is INTERNAL_SERVER_ERROR, masked, and logged with its trace id', async () => {
    const { logger, lines } = captureLogger();
    const w = await createWorld({ logger });
    await w.app.database.close(); // every statement now fails in the driver
    const res = await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    const error = onlyError(res);
    expect(error.message).toBe('An unexpected error occurred. Please try again later.');
    expect(error.extensions).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      status: 500,
      type: 'server_error',
      system_message: 'Unexpected error; see the server log for this trace id',
      details: {},
      trace_id: res.headers.get('x-request-id'),
      timestamp: '2026-06-28T10:30:00Z',
    });
    expect(res.text).not.toMatch(/database|connection|sqlite|TypeError/i);
    expectNoInternals(res);
    // Logged through the app's logger, with the cause, under the response's trace id.
    const logged = lines.find((l) => l.msg === 'unexpected error');
    expect(logged).toMatchObject({
      level: 50,
      trace_id: error.extensions.trace_id,
      err: { type: expect.stringMatching(/Error$/) },
    });
  });

  it('no error response carries a stack trace or a source path', async () => {
    const w = await createWorld();
    const c = await createCollectionVia(w.app, w.alice.key, w.orgA);
    const responses = [
      await gql(w.app, '{ viewer { id ', {}, w.alice.key),
      await gql(w.app, '{ viewer { nope } }', {}, w.alice.key),
      await gql(w.app, '{ viewer { id } }', {}),
      await gql(w.app, '{ viewer { id } }', {}, 'mgk_unknown'),
      await gql(
        w.app,
        'query($o: ID!, $id: ID!) { collection(organizationId: $o, id: $id) { id } }',
        { o: w.orgA, id: c },
        w.bob.key,
      ),
      await gql(
        w.app,
        'query($o: ID!, $id: ID!) { collection(organizationId: $o, id: $id) { id } }',
        { o: w.orgA, id: c },
        w.dave.key,
      ),
      await gql(
        w.app,
        'query($o: ID!) { collections(organizationId: $o, first: 0) { edges { cursor } } }',
        { o: w.orgA },
        w.alice.key,
      ),
      await gql(
        w.app,
        'query($o: ID!) { collections(organizationId: $o, after: "bad") { edges { cursor } } }',
        { o: w.orgA },
        w.alice.key,
      ),
      await gql(
        w.app,
        'mutation($o: ID!, $i: CreateCollectionInput!) { createCollection(organizationId: $o, input: $i) { id } }',
        { o: w.orgA, i: { name: 5 } },
        w.alice.key,
      ),
      await gql(
        w.app,
        'mutation($o: ID!, $i: CreateCollectionInput!) { createCollection(organizationId: $o, input: $i) { id } }',
        { o: w.orgA, i: { name: '' } },
        w.alice.key,
      ),
      await gql(
        w.app,
        'mutation($o: ID!, $i: CreateCollectionInput!) { createCollection(organizationId: $o, input: $i) { id } }',
        { o: w.orgA, i: { name: 'x' } },
        w.carol.key,
      ),
      await gql(w.app, '{ node(id: "mtrack_00000000000000000000") { id } }', {}, w.alice.key),
    ];
    for (const res of responses) {
      expect(res.body.errors?.length, res.text).toBeGreaterThan(0);
      for (const error of res.body.errors) {
        expect(Object.keys(error.extensions).sort(), res.text).toEqual(EXTENSION_KEYS);
        expect(error.extensions.trace_id).toBe(res.headers.get('x-request-id'));
      }
      expectNoInternals(res);
    }
  });
});

describe('introspection and authentication', () => {
  it('introspection works without a key', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ __schema { types { name } } }');
    expect(res.body.errors).toBeUndefined();
    const types = res.body.data.__schema.types.map((t: any) => t.name);
    expect(types).toEqual(expect.arrayContaining(['Query', 'Mutation', 'Collection', 'Track', 'MutationAck', 'Node']));
    const type = await gql(w.app, '{ __type(name: "MutationAck") { fields { name } } }');
    expect(type.body.data.__type.fields.map((f: any) => f.name).sort()).toEqual(['detail', 'id', 'success']);
  });

  it('every data field needs a key: viewer without one is AUTHENTICATION_REQUIRED', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ viewer { id } }');
    const error = onlyError(res);
    expect(error.message).toBe('Authentication required. Please provide a valid API key.');
    expect(error.path).toEqual(['viewer']);
    expect(error.extensions).toEqual({
      code: 'AUTHENTICATION_REQUIRED',
      status: 401,
      type: 'authentication_error',
      system_message: expect.any(String),
      details: {},
      trace_id: res.headers.get('x-request-id'),
      timestamp: '2026-06-28T10:30:00Z',
    });
    expect(res.body.data).toBeNull();
  });

  it('mixing introspection with a data field without a key still refuses the data', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ __typename viewer { id } }');
    expect(onlyError(res).extensions.code).toBe('AUTHENTICATION_REQUIRED');
    expect(res.body.data).toBeNull();
  });

  it('every root query field (except sharedContent) needs a key', async () => {
    const w = await createWorld();
    const documents = [
      '{ collection(organizationId: "org_a", id: "mcoll_x") { id } }',
      '{ collections(organizationId: "org_a") { edges { cursor } } }',
      '{ track(organizationId: "org_a", id: "mtrack_x") { id } }',
      '{ tracks(organizationId: "org_a") { edges { cursor } } }',
      '{ node(id: "mcoll_x") { id } }',
    ];
    for (const query of documents) {
      const res = await gql(w.app, query);
      expect(onlyError(res).extensions, query).toMatchObject({ code: 'AUTHENTICATION_REQUIRED', status: 401 });
    }
  });

  it('a blank X-API-Key counts as no key', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ viewer { id } }', {}, null, { 'x-api-key': '   ' });
    expect(onlyError(res).extensions.code).toBe('AUTHENTICATION_REQUIRED');
  });
});

describe('X-Request-Id', () => {
  it('equals extensions.trace_id on an error response', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ viewer { id } }');
    const header = res.headers.get('x-request-id');
    expect(header).toMatch(/^req_[0-9a-f]{20}$/);
    expect(onlyError(res).extensions.trace_id).toBe(header);
  });

  it('is on successful responses too, and differs per request', async () => {
    const w = await createWorld();
    const a = await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    const b = await gql(w.app, '{ viewer { id } }', {}, w.alice.key);
    expect(a.body.errors).toBeUndefined();
    expect(a.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{20}$/);
    expect(b.headers.get('x-request-id')).not.toBe(a.headers.get('x-request-id'));
  });

  it('is the trace id recorded on the audit row of a mutation', async () => {
    const w = await createWorld();
    const res = await gql(
      w.app,
      'mutation($o: ID!) { createCollection(organizationId: $o, input: { name: "x" }) { id } }',
      { o: w.orgA },
      w.alice.key,
    );
    const [row] = await rows(
      w,
      'SELECT trace_id FROM audit_log WHERE target_id = ?',
      res.body.data.createCollection.id,
    );
    expect(row.trace_id).toBe(res.headers.get('x-request-id'));
  });

  it('all errors of one response share the trace id of the header', async () => {
    const w = await createWorld();
    const res = await gql(w.app, '{ a b }', {}, w.alice.key);
    expect(res.body.errors).toHaveLength(2);
    for (const e of res.body.errors) expect(e.extensions.trace_id).toBe(res.headers.get('x-request-id'));
  });
});

describe('the GraphQL endpoint over HTTP', () => {
  it('a malformed JSON body is INVALID_REQUEST_BODY without internals', async () => {
    const w = await createWorld();
    const res = await rest(w.app, 'POST', '/graphql', {
      key: w.alice.key,
      rawBody: '{"query": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(onlyError(res).extensions).toMatchObject({
      code: 'INVALID_REQUEST_BODY',
      status: 400,
      type: 'client_error',
    });
    expect(res.headers.get('x-request-id')).toBe(onlyError(res).extensions.trace_id);
    expectNoInternals(res);
  });
});
