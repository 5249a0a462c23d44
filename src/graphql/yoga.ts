import { GraphQLError, Kind, type DocumentNode, type ExecutionResult } from 'graphql';
import { createYoga, isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';
import type { Deps } from '../domain/deps.js';
import type { DomainError } from '../domain/errors.js';
import { OPERATION_COST_LIMIT } from '../domain/limits.js';
import { authenticateKeyHash } from '../domain/viewer.js';
import type { Tracing } from '../ops/tracing.js';
import { Request, type Response } from '../wire/fetch-api.js';
import type { GraphQLContext } from './context.js';
import { createCostModel } from './cost.js';
import { domainErrorOf, mapErrors, useErrorKinds } from './errors.js';
import { CompiledQueries, useCompiledExecution } from './execution.js';
import { renderGraphiQLPage } from './graphiql.js';
import { securityPlugins, type GraphQLSecurityOptions } from './limits.js';
import { useRequestFacts } from './observe.js';
import { uncosted, useOperationCost, type Accounting } from './operation-cost.js';
import { useOperationObserver } from './operations.js';
import { getSchema } from './schema.js';
import { TrustedDocuments, useTrustedDocuments } from './trusted-documents.js';
import { useVariableCoercion } from './variables.js';
import { useWellFormedRequests } from './well-formed.js';

/** What the app hands to every GraphQL request, REST-originated or not. */
export interface ServerContext {
  deps: Deps;
  /** The hash of the key the request presented, read once by the app (src/http/credential.ts). */
  keyHash: string | null;
  /** What the request's operations cost and were charged; shared by every operation of the request. */
  accounting: Accounting;
  /** Set by the in-process runner: the operation is a REST or Groove route's, whose metrics are the route's. */
  route?: true;
}

export interface GraphQLOptions extends GraphQLSecurityOptions {
  /** The documents known by id; with a manifest, the only ones that run. Open, with none, by default. */
  trustedDocuments?: TrustedDocuments;
  /** Run on every path beside the gateway's own (tests use it to prove no path skips the pipeline). */
  plugins?: Plugin[];
  /** The most one operation may cost; the measured OPERATION_COST_LIMIT unless given. */
  costLimit?: number;
  /** OpenTelemetry: each operation's execution inside its span (useOperationObserver). */
  tracing?: Tracing;
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

/** The last step of every answer, whatever the path: documented errors, and `extensions.cost`. */
function finish(result: ExecutionResult, { deps, keyHash, accounting }: ServerContext, limit: number): ExecutionResult {
  const extensions = { ...result.extensions, cost: accounting?.cost ?? uncosted(accounting, keyHash, limit) };
  return { ...mapErrors(result, deps.traceId, deps.now(), deps.facts), extensions };
}

/** Answers yoga builds itself (GET, GraphiQL's, failures before the params) finish here; useWellFormedRequests runs after. */
const useApiErrors = (limit: number): Plugin<GraphQLContext, ServerContext> => ({
  onResultProcess({ result, setResult, serverContext }) {
    if (isAsyncIterable(result)) return;
    setResult(
      Array.isArray(result) ? result.map((r) => finish(r, serverContext, limit)) : finish(result, serverContext, limit),
    );
  },
});

/** The context of one operation: the viewer is authenticated at most once, when a field needs it. */
function contextFor({ deps, keyHash }: ServerContext): GraphQLContext {
  let viewer: ReturnType<GraphQLContext['viewer']> | undefined;
  return { deps, viewer: () => (viewer ??= authenticateKeyHash(deps, keyHash)) };
}

/**
 * The GraphQL pipeline: one yoga instance whose envelop plugins (limits, variable coercion, trusted
 * documents, cost, errors, request facts, compiled execution, the operation observer, and any
 * given) every path goes through: yoga itself
 * (GET, GraphiQL, anything unusual), the plain JSON POST (leanPath, without yoga's HTTP layer) and
 * the REST and Groove routes (run, in-process). Each path enters at yoga's getResultForParams, so
 * params, parse, validate, context and execute hooks all run, in yoga's order.
 */
export function createGraphQLHandler(options: GraphQLOptions) {
  const schema = getSchema();
  const limit = options.costLimit ?? OPERATION_COST_LIMIT;
  const compiled = new CompiledQueries(schema);
  const trusted = options.trustedDocuments ?? new TrustedDocuments(false);
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Errors are mapped (and unexpected ones masked) by finish(), with the request's trace id.
    maskedErrors: false,
    // CORS is answered by the app for every surface, from its allow-list.
    cors: false,
    logging: false,
    graphiql: options.introspection && {
      title: 'music-gateway',
      defaultQuery: DEFAULT_QUERY,
      headers: JSON.stringify({ 'X-API-Key': '' }),
    },
    // Bundled assets served by the app (see graphiql.ts), not yoga's default CDN links.
    renderGraphiQL: renderGraphiQLPage,
    context: contextFor,
    plugins: [
      useErrorKinds,
      ...securityPlugins(options),
      useTrustedDocuments(trusted),
      ...(options.plugins ?? []),
      // Variables are refused before they are costed: a request that cannot run is not charged.
      useVariableCoercion,
      useOperationCost(createCostModel(schema), limit),
      useApiErrors(limit),
      useWellFormedRequests,
      useRequestFacts,
      useCompiledExecution(compiled),
      // Last, so its span wraps whichever execute function runs.
      useOperationObserver(options.tracing),
    ],
  });
  trusted.load((text) => prepare(yoga, compiled, text));
  return { fetch: leanPath(yoga, limit), run: operationRunner(yoga, trusted, limit) };
}

/**
 * A trusted document, through the pipeline's own parse and validate (so every plugin's rules apply,
 * and the rules it passed are recorded), then compiled for each of its operations.
 */
function prepare(yoga: Yoga, compiled: CompiledQueries, text: string): DocumentNode {
  // As a POST would be: a mutation is refused from a GET (yoga's usePreventMutationViaGET).
  const { parse, validate, schema } = yoga.getEnveloped({
    request: new Request('http://localhost/graphql', { method: 'POST' }),
  });
  const document: DocumentNode = parse(text);
  const [invalid] = validate(schema, document);
  if (invalid) throw invalid;
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0) throw new GraphQLError('The document has no operation');
  for (const operation of operations)
    compiled.get(document, operations.length === 1 ? undefined : operation.name?.value);
  return document;
}

/** An operation's data, or the first error it raised as the DomainError it stands for. */
export interface OperationResult {
  // biome-ignore lint/suspicious/noExplicitAny: the shape is the selection of the document the caller wrote.
  data: any;
  error: DomainError | null;
}

/**
 * Runs the REST and Groove routes' operations in-process: each route document is a trusted
 * document (parsed, validated and compiled once, on first use), requested by its id through the
 * same pipeline as /graphql, with the caller's key, and without a second HTTP request or a JSON
 * round trip of the result. Errors are mapped as on /graphql, and handed over as DomainErrors,
 * which those surfaces word in their own vocabulary.
 */
function operationRunner(yoga: Yoga, trusted: TrustedDocuments, limit: number) {
  return async (
    request: Request,
    operation: { query: string; variables: Record<string, unknown> },
    serverContext: ServerContext,
  ): Promise<OperationResult> => {
    const { id } = trusted.own(operation.query);
    // The values yoga would decode from a JSON body: members set to undefined are absent.
    const variables = JSON.parse(JSON.stringify(operation.variables)) as Record<string, unknown>;
    const context: ServerContext = { ...serverContext, route: true };
    const result = await yoga.getResultForParams({ params: { documentId: id, variables } as never, request }, context);
    if (!result || isAsyncIterable(result)) throw new Error('a route document answered with a stream');
    const [error] = finish(result, context, limit).errors ?? [];
    return { data: result.data, error: error ? (domainErrorOf(error as GraphQLError) ?? null) : null };
  };
}

type Yoga = ReturnType<typeof createYoga<ServerContext, GraphQLContext>>;

// What a plain request accepts → the media type of its answer, as yoga negotiates it.
const PLAIN_ACCEPT = new Map<string | null, string>([
  [null, 'application/json'],
  ['*/*', 'application/json'],
  ['application/json', 'application/json'],
  ['application/graphql-response+json', 'application/graphql-response+json'],
]);

/** Whether a POST with these headers is one the lean path answers itself (as far as its headers tell). */
export function isLeanRequest(contentType: string | null | undefined, accept: string | null | undefined): boolean {
  return PLAIN_ACCEPT.has(accept ?? null) && /^application\/json\s*(?:;\s*charset=utf-8\s*)?$/i.test(contentType ?? '');
}

interface PlainParams {
  query?: string;
  documentId?: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function isPlainParams(value: unknown): value is PlainParams {
  if (!isObject(value)) return false;
  const { query, documentId, variables, operationName, extensions, ...rest } = value;
  return (
    (typeof query === 'string' || typeof documentId === 'string') &&
    (query == null || typeof query === 'string') &&
    (documentId == null || typeof documentId === 'string') &&
    Object.keys(rest).length === 0 &&
    (variables == null || isObject(variables)) &&
    (operationName == null || typeof operationName === 'string') &&
    (extensions == null || isObject(extensions))
  );
}

/**
 * The common request (a JSON POST of one operation, by text or by trusted id) enters the pipeline
 * at yoga's getResultForParams, without yoga's HTTP layer, and is answered by yoga's own result
 * processor (status from the errors' http extensions, the negotiated media type). Anything else
 * goes to yoga itself.
 */
function leanPath(yoga: Yoga, limit: number) {
  return async (request: Request, serverContext: ServerContext): Promise<Response> => {
    const mediaType = PLAIN_ACCEPT.get(request.headers.get('accept'));
    if (
      request.method !== 'POST' ||
      !mediaType ||
      !isLeanRequest(request.headers.get('content-type'), request.headers.get('accept'))
    ) {
      return yoga.fetch(request, serverContext);
    }
    const text = await request.text();
    const toYoga = () =>
      yoga.fetch(new Request(request.url, { method: 'POST', headers: request.headers, body: text }), serverContext);
    let params: unknown;
    try {
      params = JSON.parse(text);
    } catch {
      return toYoga();
    }
    if (!isPlainParams(params)) return toYoga();
    const context = { ...serverContext };
    const result = await yoga.getResultForParams({ params: params as never, request }, context);
    if (!result) return toYoga();
    // A stream (a subscription) cannot be answered as plain JSON: yoga's processor says 406.
    const answer = isAsyncIterable(result) ? result : finish(result, context, limit);
    return processRegularResult(answer, yoga.fetchAPI, mediaType) as unknown as Response;
  };
}
