import { GraphQLError } from 'graphql';
import { DomainError, errorCatalog, type ErrorCode, type ErrorDetails } from '../domain/errors.js';
import type { Deps, RequestFacts } from '../domain/deps.js';
import { formatTimestamp } from '../domain/time.js';
import { Response } from '../http/fetch-api.js';

/** The documented error fields, carried as GraphQL `extensions` and, on REST, as the envelope. */
export type ApiErrorExtensions = {
  code: ErrorCode;
  status: number;
  type: string;
  system_message: string;
  details: ErrorDetails;
  trace_id: string;
  timestamp: string;
};

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/**
 * Errors graphql-js raises itself, before any resolver runs, have no original error; their kind
 * is read from the message. Variable value coercion failures are bad input like any other, so
 * they become VALIDATION_ERROR naming the offending field.
 */
function classify(error: GraphQLError): { code: ErrorCode; systemMessage: string; details: ErrorDetails } {
  const message = error.message;
  // graphql-armor's limits (the token limit fires inside the parser, hence before "Syntax Error").
  if (/limit of \d+ exceeded/.test(message)) return { code: 'QUERY_LIMIT_EXCEEDED', systemMessage: message, details: {} };
  if (message.startsWith('Syntax Error')) return { code: 'GRAPHQL_PARSE_FAILED', systemMessage: message, details: {} };
  // Only a variable's value failing coercion is bad input; a document that declares, uses or types
  // its variables wrongly ("is never used", "is not defined", "used in position expecting") is a
  // GraphQL validation failure like any other.
  if (/^Variable "\$[^"]+" (?:got invalid value|of required type .* was not provided|of non-null type .* must not be null)/.test(message)) {
    const field =
      /Field "([^"]+)" (?:is not defined|of required type)/.exec(message)?.[1] ??
      /at "[^".]+\.([^"]+)"/.exec(message)?.[1]?.split('.').pop() ??
      /^Variable "\$([^"]+)"/.exec(message)?.[1] ??
      'input';
    return { code: 'VALIDATION_ERROR', systemMessage: message, details: { field: snake(field) } };
  }
  const httpStatus = (error.extensions?.['http'] as { status?: number } | undefined)?.status;
  if (httpStatus === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', systemMessage: message, details: {} };
  if (httpStatus === 405) return { code: 'METHOD_NOT_ALLOWED', systemMessage: message, details: {} };
  if (httpStatus === 403 && message.includes('CSRF')) return { code: 'CSRF_HEADER_REQUIRED', systemMessage: message, details: {} };
  if (httpStatus !== undefined && httpStatus < 500 && error.nodes === undefined) {
    return { code: 'INVALID_REQUEST_BODY', systemMessage: message, details: {} };
  }
  return { code: 'GRAPHQL_VALIDATION_FAILED', systemMessage: message, details: {} };
}

/** Every error leaves with a documented code; anything unexpected is masked and logged. */
export function toApiError(error: GraphQLError, traceId: string, now: number, facts?: RequestFacts): GraphQLError {
  const original = error.originalError;
  let message: string;
  let code: ErrorCode;
  let systemMessage: string;
  let details: ErrorDetails;
  if (original instanceof DomainError) {
    ({ message, code, systemMessage, details } = original);
  } else if (original && !(original instanceof GraphQLError)) {
    // Logged by the app with the request's line; outside a request there is no log line to join.
    if (facts) facts.unexpected.push(original);
    else console.error(`[${traceId}] unexpected error`, original);
    code = 'INTERNAL_SERVER_ERROR';
    message = errorCatalog[code].message;
    systemMessage = 'Unexpected error; see the server log for this trace id';
    details = {};
  } else {
    ({ code, systemMessage, details } = classify(error));
    message = errorCatalog[code].message;
  }
  const extensions: ApiErrorExtensions = {
    code,
    status: errorCatalog[code].status,
    type: errorCatalog[code].type,
    system_message: systemMessage,
    details,
    trace_id: traceId,
    timestamp: formatTimestamp(now),
  };
  const http = error.extensions?.['http'];
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: http ? { ...extensions, http } : extensions,
  });
}

/** A GraphQL-shaped error response for failures decided before GraphQL runs (limits, rates). */
export function graphqlErrorResponse(error: DomainError, deps: Deps, headers: Record<string, string> = {}): Response {
  const mapped = toApiError(new GraphQLError(error.message, { originalError: error }), deps.traceId, deps.now(), deps.facts);
  deps.facts?.errorCodes.add(error.code);
  return new Response(JSON.stringify({ errors: [mapped.toJSON()] }), {
    status: error.status,
    headers: { 'content-type': 'application/graphql-response+json; charset=utf-8', ...headers },
  });
}
