import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Deps } from '../domain/deps.js';
import type { DomainError } from '../domain/errors.js';
import { authenticate } from '../domain/viewer.js';
import type { GraphQLContext } from './context.js';
import { domainErrorOf, mapErrors as mapResultErrors, useErrorKinds } from './errors.js';
import { renderGraphiQLPage } from './graphiql.js';
import { securityPlugins, type GraphQLSecurityOptions } from './limits.js';
import { useRequestFacts } from './observe.js';
import { useOperationObserver } from './operations.js';
import { useWellFormedRequests } from './well-formed.js';
import type { Tracing } from '../ops/tracing.js';
import { getSchema } from './schema.js';
import { operationOf, useVariableCoercion, variableErrors } from './variables.js';
import { Request, Response } from '../wire/fetch-api.js';

/** What the app hands to every GraphQL request, REST-originated or not. */
export interface ServerContext {
  deps: Deps;
}

/** `X-API-Key: <secret>` or `Authorization: Bearer <secret>`. */
export function secretFrom(headers: Headers): string | null {
  const apiKey = headers.get('x-api-key');
  if (apiKey) return apiKey.trim() || null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1] ?? null;
}

const DEFAULT_QUERY = `# Paste your key into the Headers tab: {"X-API-Key": "mgk_..."}
query Me {
  viewer {
    id
    email
    organizations { id name capabilities }
  }
}
`;

const mapErrors = (result: ExecutionResult, deps: Deps) => mapResultErrors(result, deps.traceId, deps.now(), deps.facts);

const useApiErrors: Plugin<GraphQLContext, ServerContext> = {
  onResultProcess({ result, setResult, serverContext }) {
    if (Symbol.asyncIterator in result) return;
    setResult(Array.isArray(result) ? result.map((r) => mapErrors(r, serverContext.deps)) : mapErrors(result, serverContext.deps));
  },
};

/** The context of one operation: the viewer is authenticated at most once, when a field needs it. */
function contextFor(deps: Deps, secret: string | null): GraphQLContext {
  let viewer: ReturnType<GraphQLContext['viewer']> | undefined;
  return { deps, viewer: () => (viewer ??= authenticate(deps, secret)) };
}

/** An operation's data, or the first error it raised as the DomainError it stands for. */
export interface OperationResult {
  // biome-ignore lint/suspicious/noExplicitAny: the shape is the selection of the document the caller wrote.
  data: any;
  error: DomainError | null;
}

/**
 * Runs the REST and Groove routes' operations in-process: each fixed document is parsed,
 * validated and compiled (graphql-jit) once, then executed with the caller's key, without a second
 * HTTP request through yoga or a JSON round trip of the result. Errors are mapped as on /graphql,
 * and handed over as DomainErrors, which those surfaces word in their own vocabulary.
 * The documents are the route table's constants, so the per-operation limits (which guard
 * client-written documents) have nothing to check here.
 */
export function createOperationRunner() {
  const schema = getSchema();
  const prepared = new Map<string, { operation: OperationDefinitionNode; compiled: CompiledQuery }>();
  const prepare = (source: string) => {
    let entry = prepared.get(source);
    if (!entry) {
      const document = parse(source);
      const [invalid] = validate(schema, document);
      if (invalid) throw invalid;
      const operation = operationOf(document);
      if (operation instanceof GraphQLError) throw operation;
      const compiled = compileQuery(schema, document);
      if (!isCompiledQuery(compiled)) throw new Error(`cannot compile ${source}`);
      entry = { operation, compiled };
      prepared.set(source, entry);
    }
    return entry;
  };
  return async (
    request: Request,
    operation: { query: string; variables: Record<string, unknown> },
    deps: Deps,
  ): Promise<OperationResult> => {
    const { operation: definition, compiled } = prepare(operation.query);
    // The values yoga would decode from a JSON body: members set to undefined are absent.
    const variableValues = JSON.parse(JSON.stringify(operation.variables)) as Record<string, unknown>;
    // As useRequestFacts records it on /graphql: every route names its organization this way.
    const organizationId = variableValues['organizationId'];
    if (deps.facts && typeof organizationId === 'string') deps.facts.organizationId ??= organizationId;
    const contextValue = contextFor(deps, secretFrom(request.headers));
    // Checked as on /graphql (useVariableCoercion) before anything runs.
    const invalid = variableErrors(schema, definition, variableValues);
    const result = invalid.length > 0 ? { errors: invalid } : ((await compiled.query(undefined, contextValue, variableValues)) as ExecutionResult);
    const [error] = mapErrors(result, deps).errors ?? [];
    return { data: result.data, error: error ? (domainErrorOf(error) ?? null) : null };
  };
}

export function createGraphQLHandler(security: GraphQLSecurityOptions, tracing?: Tracing) {
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema: getSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Errors are mapped (and unexpected ones masked) by useApiErrors, with the request's trace id.
    maskedErrors: false,
    // CORS is answered by the app for every surface, from its allow-list.
    cors: false,
    logging: false,
    graphiql: security.introspection && { title: 'music-gateway', defaultQuery: DEFAULT_QUERY, headers: JSON.stringify({ 'X-API-Key': '' }) },
    // Bundled assets served by the app (see graphiql.ts), not yoga's default CDN links.
    renderGraphiQL: renderGraphiQLPage,
    context: ({ request, deps }) => contextFor(deps, secretFrom(request.headers)),
    plugins: [
      useErrorKinds,
      ...securityPlugins(security),
      useVariableCoercion,
      useApiErrors,
      useWellFormedRequests,
      useRequestFacts,
      useGraphQlJit(),
      useOperationObserver(tracing),
    ],
  });
  return { fetch: leanPath(yoga) };
}

type Yoga = ReturnType<typeof createYoga<ServerContext, GraphQLContext>>;

// What a plain request accepts → the media type of its answer, as yoga negotiates it.
const PLAIN_ACCEPT = new Map<string | null, string>([
  [null, 'application/json'],
  ['*/*', 'application/json'],
  ['application/json', 'application/json'],
  ['application/graphql-response+json', 'application/graphql-response+json'],
]);

interface PlainParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

function isPlainParams(value: unknown): value is PlainParams {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { query, variables, operationName, ...rest } = value as Record<string, unknown>;
  return (
    typeof query === 'string' &&
    Object.keys(rest).length === 0 &&
    (variables == null || (typeof variables === 'object' && !Array.isArray(variables))) &&
    (operationName == null || typeof operationName === 'string')
  );
}

/** The error as yoga serialises it: without its internal `http` and `unexpected` extensions. */
function publicError(error: GraphQLError) {
  const { http: _http, unexpected: _unexpected, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

/**
 * The common request (a JSON POST whose document parses and validates) runs through yoga's own
 * envelop pipeline (parser and validation caches, the operation limits, useRequestFacts, the same
 * execute) without yoga's HTTP layer; the answer is built as yoga builds it (status from the
 * errors' http status, else 200; the negotiated media type). Anything else, and every document
 * that fails to parse or validate, goes to yoga itself, which owns those answers.
 */
function leanPath(yoga: Yoga) {
  return async (request: Request, serverContext: ServerContext): Promise<Response> => {
    const mediaType = PLAIN_ACCEPT.get(request.headers.get('accept'));
    const contentType = request.headers.get('content-type') ?? '';
    if (request.method !== 'POST' || !mediaType || !/^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i.test(contentType)) {
      return yoga.fetch(request, serverContext);
    }
    const text = await request.text();
    const toYoga = () => yoga.fetch(new Request(request.url, { method: 'POST', headers: request.headers, body: text }), serverContext);
    let params: unknown;
    try {
      params = JSON.parse(text);
    } catch {
      return toYoga();
    }
    if (!isPlainParams(params)) return toYoga();
    const { parse: parseDocument, validate: validateDocument, contextFactory, execute: run, schema } = yoga.getEnveloped({
      request,
      params,
      ...serverContext,
    });
    // The operation limits reject by throwing from parse or validate; yoga turns that into the answer.
    let document: DocumentNode;
    try {
      document = parseDocument(params.query);
      if (validateDocument(schema, document).length > 0) return toYoga();
    } catch {
      return toYoga();
    }
    const operation = getOperationAST(document, params.operationName ?? undefined);
    if (!operation || operation.operation === 'subscription') return toYoga();
    const result = (await run({
      schema,
      document,
      variableValues: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
      contextValue: await contextFactory(),
    })) as ExecutionResult;
    const mapped = mapErrors(result, serverContext.deps);
    let status = 200;
    for (const error of mapped.errors ?? []) {
      const http = error.extensions['http'] as { status?: number; spec?: boolean } | undefined;
      // Yoga answers application/json clients 200 for errors whose status only the spec asks for.
      if (http?.spec && mediaType === 'application/json') continue;
      if (http?.status && http.status > status) status = http.status;
    }
    const body = mapped.errors ? { ...mapped, errors: mapped.errors.map(publicError) } : mapped;
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': `${mediaType}; charset=utf-8` } });
  };
}
