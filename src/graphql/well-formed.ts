import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import type { ServerContext } from './yoga.js';

type Http = { spec?: boolean; status?: number };

/**
 * GraphQL over HTTP: a request that is not well-formed (a body that is not JSON, params that are
 * not an object, no query: INVALID_REQUEST_BODY once mapped) is a 400 whatever media type the
 * client accepts. Yoga flags these `http.spec`, like the document's own errors, and answers
 * `application/json` clients 200 for all of them; unflagged, these get their 400. Errors about
 * the document itself (parse, validation, variables) keep the 200 the spec asks for there.
 */
const notWellFormed = (error: GraphQLError) =>
  error.extensions.code === 'INVALID_REQUEST_BODY' && (error.extensions.http as Http | undefined)?.spec === true;

function wellFormed(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some(notWellFormed)) return result;
  const errors = result.errors.map((error) => {
    if (!notWellFormed(error)) return error;
    const { spec: _spec, ...http } = error.extensions.http as Http;
    return new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, http } });
  });
  return { ...result, errors };
}

/** Runs after useApiErrors, on the mapped errors. */
export const useWellFormedRequests: Plugin<GraphQLContext, ServerContext> = {
  onResultProcess({ result, setResult }) {
    if (Symbol.asyncIterator in result) return;
    setResult(Array.isArray(result) ? result.map(wellFormed) : wellFormed(result));
  },
};
