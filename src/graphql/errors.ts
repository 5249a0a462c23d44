import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestFacts } from '../domain/deps.js';
import { DomainError, type ErrorCode } from '../domain/errors.js';
import { extensionsOf } from '../wire/errors.js';

// Every GraphQL error leaves with a documented code. Errors raised by our code carry a DomainError;
// the ones graphql-js, yoga and graphql-armor raise themselves are told apart by where they arose,
// recorded by hooks as they pass (never by reading their message text, which a library upgrade
// may reword): a parse failure, a validation failure, a limit's rejection, or yoga's HTTP layer.

const kinds = new WeakMap<object, ErrorCode>();

/** graphql-armor's `onReject` hook: the error it is about to throw is a limit's refusal. */
export const markLimitRejection = (_context: unknown, error: object): void =>
  void kinds.set(error, 'QUERY_LIMIT_EXCEEDED');

/** Records which phase raised each error. Limits tag theirs first (they throw from inside parse or validate). */
export const useErrorKinds: Plugin = {
  onParse:
    () =>
    ({ result }) => {
      if (result instanceof Error && !kinds.has(result)) kinds.set(result, 'GRAPHQL_PARSE_FAILED');
    },
  onValidate:
    () =>
    ({ valid, result }) => {
      if (valid) return;
      for (const error of result) if (!kinds.has(error)) kinds.set(error, 'GRAPHQL_VALIDATION_FAILED');
    },
};

/** A GraphQL validation failure our own checks find (an operation name that names no operation). */
export function validationFailure(message: string): GraphQLError {
  const error = new GraphQLError(message);
  kinds.set(error, 'GRAPHQL_VALIDATION_FAILED');
  return error;
}

/** The status yoga's HTTP layer gave an error it raised before any GraphQL ran. */
const httpStatusOf = (error: GraphQLError) => (error.extensions?.http as { status?: number } | undefined)?.status;

function classify(error: GraphQLError): ErrorCode {
  const kind = kinds.get(error);
  if (kind) return kind;
  const status = httpStatusOf(error);
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  // The CSRF prevention plugin is the only part of the stack that answers 403.
  if (status === 403) return 'CSRF_HEADER_REQUIRED';
  if (status !== undefined && status < 500) return 'INVALID_REQUEST_BODY';
  // graphql-js's own execution errors (a null for a non-null field, say) are bugs of ours.
  return 'INTERNAL_SERVER_ERROR';
}

const UNEXPECTED = 'Unexpected error; see the server log for this trace id';

/** The DomainError a GraphQL error stands for, whatever raised it. */
function domainErrorFor(error: GraphQLError, traceId: string, facts?: RequestFacts): DomainError {
  const original = error.originalError;
  if (original instanceof DomainError) return original;
  const code = original && !(original instanceof GraphQLError) ? 'INTERNAL_SERVER_ERROR' : classify(error);
  if (code !== 'INTERNAL_SERVER_ERROR') return new DomainError(code, error.message);
  // Logged by the app with the request's line; outside a request there is no log line to join.
  const cause = original ?? error;
  if (facts) facts.unexpected.push(cause);
  else console.error(`[${traceId}] unexpected error`, cause);
  return new DomainError(code, UNEXPECTED);
}

// The DomainError behind each mapped error, for the REST and Groove surfaces, which word errors in
// their own vocabulary. Not an `originalError`: yoga would take that for an unexpected error.
const sources = new WeakMap<GraphQLError, DomainError>();

/** The DomainError a mapped error (from toApiError) was built from. */
export const domainErrorOf = (error: GraphQLError): DomainError | undefined => sources.get(error);

/** Every error leaves with a documented code; anything unexpected is masked and logged. */
export function toApiError(error: GraphQLError, traceId: string, now: number, facts?: RequestFacts): GraphQLError {
  const domain = domainErrorFor(error, traceId, facts);
  const extensions = extensionsOf(domain, traceId, now);
  const http = error.extensions?.http;
  const mapped = new GraphQLError(domain.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: http ? { ...extensions, http } : extensions,
  });
  sources.set(mapped, domain);
  return mapped;
}

/** A result whose errors are all mapped; their codes are recorded for the request's log line. */
export function mapErrors(
  result: ExecutionResult,
  traceId: string,
  now: number,
  facts?: RequestFacts,
): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((e) =>
    toApiError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), traceId, now, facts),
  );
  for (const error of errors) facts?.errorCodes.add(String(error.extensions.code));
  return { ...result, errors };
}
