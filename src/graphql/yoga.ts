import { execute, GraphQLError, parse, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Deps } from '../domain/deps.js';
import { authenticate } from '../domain/viewer.js';
import type { GraphQLContext } from './context.js';
import { toApiError } from './errors.js';
import { renderGraphiQLPage } from './graphiql.js';
import { securityPlugins, type GraphQLSecurityOptions } from './limits.js';
import { useRequestFacts } from './observe.js';
import { getSchema } from './schema.js';

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

function mapErrors(result: ExecutionResult, deps: Deps): ExecutionResult {
  if (!result.errors?.length) return result;
  const now = deps.now();
  const errors = result.errors.map((e) => toApiError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), deps.traceId, now, deps.facts));
  for (const error of errors) deps.facts?.errorCodes.add(String(error.extensions['code']));
  return { ...result, errors };
}

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

/**
 * Runs the REST and Groove routes' operations in-process: each fixed document is parsed and
 * validated once, then executed with the caller's key, without a second HTTP request through yoga
 * or a JSON round trip of the result. Errors are mapped as on /graphql. The documents are the
 * route table's constants, so the per-operation limits (which guard client-written documents)
 * have nothing to check here.
 */
export function createOperationRunner() {
  const schema = getSchema();
  const documents = new Map<string, DocumentNode>();
  const documentFor = (source: string): DocumentNode => {
    let document = documents.get(source);
    if (!document) {
      document = parse(source);
      const [invalid] = validate(schema, document);
      if (invalid) throw invalid;
      documents.set(source, document);
    }
    return document;
  };
  return async (
    request: Request,
    operation: { query: string; variables: Record<string, unknown> },
    deps: Deps,
  ): Promise<ExecutionResult> => {
    const document = documentFor(operation.query);
    // The values yoga would decode from a JSON body: members set to undefined are absent.
    const variableValues = JSON.parse(JSON.stringify(operation.variables)) as Record<string, unknown>;
    // As useRequestFacts records it on /graphql: every route names its organization this way.
    const organizationId = variableValues['organizationId'];
    if (deps.facts && typeof organizationId === 'string') deps.facts.organizationId ??= organizationId;
    const result = await execute({ schema, document, variableValues, contextValue: contextFor(deps, secretFrom(request.headers)) });
    return mapErrors(result, deps);
  };
}

export function createGraphQLHandler(security: GraphQLSecurityOptions) {
  return createYoga<ServerContext, GraphQLContext>({
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
    plugins: [...securityPlugins(security), useApiErrors, useRequestFacts],
  });
}
